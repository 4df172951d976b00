// SHA-256 against the FIPS 180-4 / NIST known answers, and incremental = one-shot.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/sha256.h"

namespace sf {

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits the first block's padding.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  const std::string text = "The quick brown fox jumps over the lazy dog, repeatedly, until the block boundary passes.";
  for (size_t cut = 0; cut <= text.size(); cut += 7) {
    Sha256 h;
    h.update(std::string_view(text).substr(0, cut));
    h.update(std::string_view(text).substr(cut));
    EXPECT_EQ(h.hex_digest(), sha256_hex(text)) << "cut at " << cut;
  }
  Sha256 h;
  h.hex_digest();
  EXPECT_THROW(h.update("x"), Error);
}

}  // namespace sf
