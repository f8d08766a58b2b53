// Tests for common/redact: which keys are secrets, how URLs lose credentials.
#include "common/redact.h"

#include <gtest/gtest.h>

namespace hermes {
namespace {

TEST(RedactTest, IsSecretKeyCases) {
  EXPECT_TRUE(IsSecretKey("authorization"));
  EXPECT_TRUE(IsSecretKey("Proxy-Authorization"));
  EXPECT_TRUE(IsSecretKey("TOKEN"));
  EXPECT_TRUE(IsSecretKey("api_token"));
  EXPECT_TRUE(IsSecretKey("client_secret"));
  EXPECT_FALSE(IsSecretKey("token_file"));
  EXPECT_FALSE(IsSecretKey("probe"));
  EXPECT_FALSE(IsSecretKey("_token"));
}

struct UrlCase {
  const char* in;
  const char* want;
};

TEST(RedactTest, RedactUrlDropsCredentialsQueryAndFragment) {
  const UrlCase cases[] = {
      {"https://u:p@h/x?token=1", "https://h/x"},
      {"https://h/x", "https://h/x"},
      {"https://h:8443/a/b?x=1#frag", "https://h:8443/a/b"},
      {"https://user@h", "https://h"},
      {"https://u:p@ss@h/x", "https://h/x"},               // '@' inside the password
      {"https://u:p#w@h/x?q", "https://h/x"},              // '#' inside the password
      {"https://u:p?w@h/x", "https://h/x"},                // '?' inside the password
      {"https://h/users/@me?k=v", "https://h/users/@me"},  // '@' in the path is not userinfo
      {"https://h/x?next=a@b", "https://h/x"},
      {"u:p@h:9516/x?y", "h:9516/x"},
      {"/metrics?token=1", "/metrics"},
      {"192.0.2.1:443", "192.0.2.1:443"},
      {"", ""},
  };
  for (const UrlCase& c : cases) EXPECT_EQ(RedactUrl(c.in), c.want) << c.in;
}

TEST(RedactTest, RedactFieldRedactsSecretsAndUrlsOnly) {
  EXPECT_EQ(RedactField("password", "hunter2"), "<redacted>");
  EXPECT_EQ(RedactField("Proxy-Authorization", "Basic eDp5"), "<redacted>");
  EXPECT_EQ(RedactField("url", "https://u:p@h/x?q=1"), "https://h/x");
  EXPECT_EQ(RedactField("Target-URL", "https://u:p@h/x"), "https://h/x");
  EXPECT_EQ(RedactField("curl", "https://u:p@h/x"), "https://u:p@h/x");
  EXPECT_EQ(RedactField("_url", "https://u:p@h/x"), "https://u:p@h/x");
  EXPECT_EQ(RedactField("probe", "gw"), "gw");
}

}  // namespace
}  // namespace hermes
