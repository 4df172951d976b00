// Errors: every failure a user can cause is an sf::Error with a message that names the problem.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace sf {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream s;
  (s << ... << args);
  return s.str();
}
}  // namespace detail

}  // namespace sf

// SF_CHECK(cond, "message parts", ...) throws sf::Error with the concatenated parts.
#define SF_CHECK(cond, ...)                                   \
  do {                                                        \
    if (!(cond)) throw ::sf::Error(::sf::detail::cat(__VA_ARGS__)); \
  } while (0)
