// Child processes of the CLI: `ablate` runs each variant as `seqforge train` in its own process (a crash or
// a bad variant cannot take the sweep down, and --jobs N is N processes), and the plots come from a Python
// script. Output goes to a log file; each child leads its own process group, so a Ctrl-C at the terminal
// reaches the parent alone and the parent forwards it once (train/signals.h).
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace sf::cli {

// Starts `argv` (argv[0] is the program's path) with stdout and stderr appended to `log`; "" keeps ours.
// Throws sf::Error when the process cannot be created; a program that cannot be executed exits 127.
pid_t start_process(const std::vector<std::string>& argv, const std::string& log);

// Waits for `pid`; its exit code, or 128 + signal when a signal ended it. With `block` false returns -1
// while it still runs.
int wait_process(pid_t pid, bool block);

// This program's own executable (/proc/self/exe), to start more of itself.
std::string self_executable();

// The last `n` lines of a text file.
std::vector<std::string> last_lines(const std::string& path, size_t n);

}  // namespace sf::cli
