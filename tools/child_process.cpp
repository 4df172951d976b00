#include "tools/child_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace sf::cli {

pid_t start_process(const std::vector<std::string>& argv, const std::string& log) {
  // Everything the child needs is built before fork(): between fork and exec only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int fd = log.empty() ? -1 : ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  SF_CHECK(log.empty() || fd >= 0, log, ": cannot open for writing (", std::strerror(errno), ")");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (fd >= 0 && (::dup2(fd, STDOUT_FILENO) < 0 || ::dup2(fd, STDERR_FILENO) < 0)) ::_exit(127);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const int err = errno;
  if (fd >= 0) ::close(fd);
  SF_CHECK(pid > 0, "cannot start ", argv[0], ": ", std::strerror(err));
  return pid;
}

int wait_process(pid_t pid, bool block) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  SF_CHECK(r >= 0, "waitpid(", pid, "): ", std::strerror(errno));
  if (r == 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

std::vector<std::string> last_lines(const std::string& path, size_t n) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > n) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

}  // namespace sf::cli
