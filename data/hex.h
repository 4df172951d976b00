// Bytes as lowercase hex text and back: how tokenizers put binary vocabularies and models into the
// line-based text that checkpoints and token-shard manifests store.
#pragma once
#include <string>
#include <string_view>

namespace sf {

std::string to_hex(std::string_view bytes);
// Throws sf::Error naming `what` and the position of an odd length or a non-hex character.
std::string from_hex(std::string_view hex, std::string_view what);

}  // namespace sf
