// The subcommands of `seqforge`. Each lives in its own file, tools/cmd_<name>.cpp, as
//   void register_<name>(CLI::App& app);
// which adds the subcommand with its options and a callback that does the work. A callback reports
// a user's mistake by throwing sf::Error (printed as "error: ...", exit code 1).
//
// Adding a subcommand: write tools/cmd_<name>.cpp, declare its register_<name> below and list it in
// kCommands in tools/seqforge.cpp.
#pragma once
#include <CLI/CLI.hpp>

namespace sf::cli {

using Registrar = void (*)(CLI::App& app);

void register_train(CLI::App& app);
void register_eval(CLI::App& app);
void register_generate(CLI::App& app);
void register_bench(CLI::App& app);
void register_schema(CLI::App& app);
void register_ablate(CLI::App& app);  // and `plot`, in the same file
void register_plot(CLI::App& app);
void register_tokenizer(CLI::App& app);
void register_export(CLI::App& app);
void register_inspect(CLI::App& app);
void register_prepare_data(CLI::App& app);

}  // namespace sf::cli
