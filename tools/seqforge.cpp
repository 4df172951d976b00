// seqforge: the command-line program. Parses the command line, hands it to one subcommand and turns
// failures into messages and exit codes:
//   0 success, CLI11's code for a malformed command line, 1 for an sf::Error (a problem the user
//   can fix: a bad recipe, a missing file), 2 for any other exception (a bug: please report it).
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tools/commands.h"
#include "train/signals.h"

namespace {

// Every subcommand, in --help order (see tools/commands.h).
const std::vector<sf::cli::Registrar> kCommands = {sf::cli::register_train,    sf::cli::register_eval,
                                                   sf::cli::register_generate, sf::cli::register_inspect,
                                                   sf::cli::register_export,   sf::cli::register_tokenizer,
                                                   sf::cli::register_prepare_data, sf::cli::register_bench,
                                                   sf::cli::register_ablate,   sf::cli::register_plot,
                                                   sf::cli::register_schema};

// OpenMP workers that wait for work spin on a core before they sleep: libgomp's default is 300,000
// spins (milliseconds), so two runs sharing the cores take turns burning them and both collapse. Two
// 2-thread tiny-Shakespeare runs on 2 cores, tok/s each (alone: 34k at 300,000 spins): 5-6k at 300,000,
// 7.9k at 10,000, 14k at 3,000, 19k at 1,000, 22k at 0; alone, 3,000 costs 3 %, 1,000 10 %, 0 20 %.
// libgomp reads the setting once, when it loads, before main(): the program starts itself again with
// it. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT is left as it is.
constexpr const char* kSpinCount = "3000";

void limit_openmp_spinning(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  ::setenv("GOMP_SPINCOUNT", kSpinCount, 1);
  ::execv("/proc/self/exe", argv);  // returns only when it fails: then run with libgomp's default
}

}  // namespace

int main(int argc, char** argv) {
  limit_openmp_spinning(argv);
  sf::start_signal_thread();  // before any other thread exists (train/signals.h says why)
  CLI::App app{"seqforge: train sequence models (Transformers, SSMs, RNNs) from YAML recipes.",
               "seqforge"};
  app.set_version_flag("--version", "seqforge " SF_VERSION);
  app.require_subcommand(1);  // --help and --version end parsing before this is checked
  for (sf::cli::Registrar add : kCommands) add(app);

  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ParseError& e) {
    // CLI11 answers a misspelt subcommand or option with "A subcommand is required"; name the word.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::RequiredError) && !app.remaining().empty()) {
      const std::string word = app.remaining().front();
      return app.exit(word.starts_with('-') ? CLI::ExtrasError(app.remaining())
                                            : CLI::ExtrasError("unknown subcommand '" + word + "'",
                                                               CLI::ExitCodes::ExtrasError));
    }
    return app.exit(e);
  } catch (const sf::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
