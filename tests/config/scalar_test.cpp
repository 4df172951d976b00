#include "config/scalar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sf {
namespace {

TEST(Scalar, ParsesBooleans) {
  bool b = false;
  for (const char* t : {"true", "True", "yes", "ON"}) {
    b = false;
    EXPECT_TRUE(parse_bool(t, b)) << t;
    EXPECT_TRUE(b) << t;
  }
  for (const char* t : {"false", "no", "Off"}) {
    b = true;
    EXPECT_TRUE(parse_bool(t, b)) << t;
    EXPECT_FALSE(b) << t;
  }
  EXPECT_FALSE(parse_bool("1", b));
  EXPECT_FALSE(parse_bool("maybe", b));
}

TEST(Scalar, ParsesIntegersStrictly) {
  int64_t v = 7;
  EXPECT_TRUE(parse_int64("12", v));
  EXPECT_EQ(v, 12);
  EXPECT_TRUE(parse_int64("-3", v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(parse_int64("+5", v));
  EXPECT_EQ(v, 5);
  EXPECT_TRUE(parse_int64("9223372036854775807", v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "abc", "1.5", "1e3", "12 ", "0x10", "+-1", "99999999999999999999"}) {
    v = 7;
    EXPECT_FALSE(parse_int64(bad, v)) << bad;
    EXPECT_EQ(v, 7) << "left alone on failure: " << bad;
  }
}

TEST(Scalar, ParsesDoublesIncludingYamlInfinity) {
  double d = 0;
  EXPECT_TRUE(parse_double("1e-3", d));
  EXPECT_DOUBLE_EQ(d, 1e-3);
  EXPECT_TRUE(parse_double("4", d));
  EXPECT_EQ(d, 4.0);
  EXPECT_TRUE(parse_double("+0.5", d));
  EXPECT_EQ(d, 0.5);
  EXPECT_TRUE(parse_double("-.inf", d));
  EXPECT_TRUE(std::isinf(d) && d < 0);
  EXPECT_TRUE(parse_double(".nan", d));
  EXPECT_TRUE(std::isnan(d));
  for (const char* bad : {"", "fast", "1e", "inf", "nan", "0.1.2", "1,5"}) EXPECT_FALSE(parse_double(bad, d)) << bad;
}

TEST(Scalar, DoublesPrintShortestAndParseBackExactly) {
  EXPECT_EQ(scalar_text(3.0), "3.0");
  EXPECT_EQ(scalar_text(0.1), "0.1");
  EXPECT_EQ(scalar_text(1e-8), "1.0e-08");
  EXPECT_EQ(scalar_text(2.5e300), "2.5e+300");
  EXPECT_EQ(scalar_text(std::numeric_limits<double>::infinity()), ".inf");
  for (double x : {0.1, 1.0 / 3.0, 1e-8, 6e-4, 1e300, -2.5, 10000.0}) {
    double back = 0;
    ASSERT_TRUE(parse_double(scalar_text(x), back)) << scalar_text(x);
    EXPECT_EQ(back, x) << scalar_text(x);
  }
}

TEST(Scalar, ValueTextQuotesStringsAndListsItems) {
  EXPECT_EQ(value_text(std::string("gpu")), "\"gpu\"");
  EXPECT_EQ(value_text(std::vector<int64_t>{1, 2}), "[1, 2]");
  EXPECT_EQ(value_text(std::vector<std::string>{}), "[]");
  EXPECT_EQ(value_text(true), "true");
}

TEST(Scalar, QuotesStringsThatWouldReadAsOtherTypes) {
  for (const char* s : {"", "true", "no", "null", "~", "12", "-3", ".5", "0x1f", "inf", " padded"})
    EXPECT_TRUE(needs_quotes(s)) << s;
  for (const char* s : {"attention", "data/corpora/x.txt", "cpu", "cuda:1"}) EXPECT_FALSE(needs_quotes(s)) << s;
}

}  // namespace
}  // namespace sf
