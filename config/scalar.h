// Config scalars as text: strict parsing of YAML scalars into typed values, and printing values
// so that they parse back to the same value (doubles use the shortest round-trip form).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sf {

// Each returns false, leaving `out` alone, unless all of `text` is one value of the type.
bool parse_bool(std::string_view text, bool& out);        // true/false, yes/no, on/off, any case
bool parse_int64(std::string_view text, int64_t& out);    // decimal, optional sign: 12, -3, +7
bool parse_double(std::string_view text, double& out);    // 1e-3, 0.5, 4, .inf, -.inf, .nan

// The YAML spelling of a value: true, 12, 0.001, 1.0, 1.0e-08, .inf. Doubles always show a
// '.' (or are inf/nan), so that every YAML reader takes the text as a float.
std::string scalar_text(bool v);
std::string scalar_text(int64_t v);
std::string scalar_text(double v);

// A value for messages: scalars as above, strings in double quotes, lists as [a, b].
std::string value_text(bool v);
std::string value_text(int64_t v);
std::string value_text(double v);
std::string value_text(const std::string& v);
std::string value_text(const std::vector<int64_t>& v);
std::string value_text(const std::vector<std::string>& v);

// Whether a string is quoted when written as YAML, so that any YAML reader takes it as this
// string: empty, null- or bool-like, starting like a number, or with surrounding blanks.
bool needs_quotes(std::string_view s);

}  // namespace sf
