// seqforge schema: every key a recipe may set, with its type, default and meaning (the same schema
// that validates recipes, so this list cannot drift from what the loader accepts).
#include <iostream>

#include "config/run_config.h"
#include "tools/commands.h"

namespace sf::cli {

void register_schema(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("schema", "List every recipe key with its type, default and meaning");
  cmd->callback([] { std::cout << run_config_help(); });
}

}  // namespace sf::cli
