// Running the seqforge binary alone and under `mpirun -np N` from a test, in the foreground or in
// the background (to kill or stop one rank). mpirun gets --allow-run-as-root --oversubscribe: CI
// runs as root on 2 cores.
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sf::test {

inline std::string seqforge_binary() { return std::string(SF_BINARY_DIR) + "/seqforge"; }

inline bool have_mpirun() { return std::system("command -v mpirun > /dev/null 2>&1") == 0; }

// "mpirun -np N <flags> " to put before a command that runs on N ranks. Under ASan, ranks run without
// LeakSanitizer: OpenMPI's MCA plugins are dlopen'ed, keep their allocations until exit and are unloaded
// before the leak check, so their frames read "<unknown module>" and no library-name suppression can match
// them. Memory errors are still caught.
inline std::string mpirun_prefix(int np) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "detect_leaks=0";
  return "mpirun -np " + std::to_string(np) + " --allow-run-as-root --oversubscribe -x ASAN_OPTIONS=" + asan_options +
         " ";
}

// "mpirun -np N <flags> seqforge ARGS", or plain "seqforge ARGS" for np = 0.
inline std::string command(int np, const std::string& args) {
  const std::string cmd = seqforge_binary() + " " + args;
  return np > 0 ? mpirun_prefix(np) + "-x SF_TEST_TAG " + cmd : cmd;
}

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

// Starts `cmd` through /bin/sh with stdout and stderr in `log`; returns the shell's pid.
inline pid_t spawn(const std::string& cmd, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > '" + log + "' 2>&1").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Waits for `pid` (killing it after `limit_s`); the exit code, output and time it took.
inline Outcome wait_for(pid_t pid, const std::string& log, double limit_s) {
  const auto start = std::chrono::steady_clock::now();
  Outcome r;
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.seconds > limit_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.output = read_file(log) + "\n[test: killed after " + std::to_string(limit_s) + " s]";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = read_file(log);
  return r;
}

inline Outcome run(const std::string& cmd, const std::string& log, double limit_s = 120) {
  return wait_for(spawn(cmd, log), log, limit_s);
}

// The pid of the process whose environment holds SF_TEST_TAG=tag and OMPI_COMM_WORLD_RANK=rank.
inline pid_t find_rank(const std::string& tag, int rank) {
  const std::string want_tag = "SF_TEST_TAG=" + tag, want_rank = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream env(entry.path() / "environ", std::ios::binary);
    std::string var;
    bool tagged = false, ranked = false;
    while (std::getline(env, var, '\0')) {
      tagged = tagged || var == want_tag;
      ranked = ranked || var == want_rank;
    }
    if (tagged && ranked) return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

}  // namespace sf::test
