#include "config/scalar.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace sf {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// from_chars rejects a leading '+'; YAML allows it.
std::string_view drop_plus(std::string_view s) {
  return s.size() > 1 && s[0] == '+' && s[1] != '-' ? s.substr(1) : s;
}

template <class T>
std::string join(const std::vector<T>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + value_text(v[i]);
  return out + "]";
}

}  // namespace

bool parse_bool(std::string_view text, bool& out) {
  const std::string s = lowered(text);
  if (s == "true" || s == "yes" || s == "on") return out = true, true;
  if (s == "false" || s == "no" || s == "off") return out = false, true;
  return false;
}

bool parse_int64(std::string_view text, int64_t& out) {
  std::string_view s = drop_plus(text);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return false;
  out = v;
  return true;
}

bool parse_double(std::string_view text, double& out) {
  const std::string s = lowered(text);
  if (s == ".inf" || s == "+.inf") return out = std::numeric_limits<double>::infinity(), true;
  if (s == "-.inf") return out = -std::numeric_limits<double>::infinity(), true;
  if (s == ".nan") return out = std::numeric_limits<double>::quiet_NaN(), true;
  std::string_view body = drop_plus(text);
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  // from_chars also takes "inf"/"nan"; YAML spells those .inf/.nan.
  if (body.empty() || ec != std::errc() || end != body.data() + body.size() || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

std::string scalar_text(bool v) { return v ? "true" : "false"; }

std::string scalar_text(int64_t v) { return std::to_string(v); }

std::string scalar_text(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, end);
  // A '.' in the mantissa (1.0e-05, not 1e-05) so that YAML 1.1 readers such as PyYAML also
  // read a float; to_chars always signs the exponent, which they need too.
  if (out.find('.') == std::string::npos) {
    const size_t e = out.find('e');
    out.insert(e == std::string::npos ? out.size() : e, ".0");
  }
  return out;
}

std::string value_text(bool v) { return scalar_text(v); }
std::string value_text(int64_t v) { return scalar_text(v); }
std::string value_text(double v) { return scalar_text(v); }
std::string value_text(const std::string& v) { return '"' + v + '"'; }
std::string value_text(const std::vector<int64_t>& v) { return join(v); }
std::string value_text(const std::vector<std::string>& v) { return join(v); }

bool needs_quotes(std::string_view s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back())))
    return true;
  const std::string low = lowered(s);
  bool b;
  if (low == "~" || low == "null" || low == "inf" || low == "nan" || parse_bool(s, b)) return true;
  // Whatever may read as a number somewhere (12, -3, .5, 0x1f, 1_000) is quoted too.
  const unsigned char c = static_cast<unsigned char>(s.front());
  return std::isdigit(c) || c == '+' || c == '-' || c == '.';
}

}  // namespace sf
