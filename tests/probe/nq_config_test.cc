// The /.well-known/nq config resource: what the draft requires, accepted key sets,
// and a "should reject" list with the exact messages.
#include "probe/nq_config.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace hermes::probe {
namespace {

std::string Urls(const std::string& origin = "https://rpm.example.com") {
  return R"("small_download_url": ")" + origin + R"(/small", "large_download_url": ")" + origin +
         R"(/large", "upload_url": ")" + origin + R"(/upload")";
}

TEST(NqConfigTest, ParsesTheDraftsExample) {
  auto c = ParseNqConfig(R"({"version": 1, "urls": {)" + Urls() +
                         R"(}, "test_endpoint": "nq-1.example.com"})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->small_download_url, "https://rpm.example.com/small");
  EXPECT_EQ(c->large_download_url, "https://rpm.example.com/large");
  EXPECT_EQ(c->upload_url, "https://rpm.example.com/upload");
  EXPECT_EQ(c->test_endpoint, "nq-1.example.com");
  EXPECT_EQ(c->origin, "https://rpm.example.com:443");
  EXPECT_TRUE(c->tls);
  // An IPv6 endpoint, as hermes-target announces it, is kept without its brackets.
  auto v6 = ParseNqConfig(R"({"version": 1, "urls": {)" + Urls() +
                          R"(}, "test_endpoint": "[2001:db8::1]"})");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->test_endpoint, "2001:db8::1");
}

TEST(NqConfigTest, AcceptsTheOlderKeyNamesAndPrefersTheDrafts) {
  auto old = ParseNqConfig(R"({"urls": {"small_https_download_url": "https://a.example/s",
      "large_https_download_url": "https://a.example/l", "https_upload_url": "https://a.example/u"},
      "version": 1})");
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(old->upload_url, "https://a.example/u");
  auto both = ParseNqConfig(R"({"version": 1, "urls": {)" + Urls("https://a.example") +
                            R"(, "https_upload_url": "https://a.example/old"}})");
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ(both->upload_url, "https://a.example/upload");
}

TEST(NqConfigTest, IgnoresUnknownNamesAndAcceptsAnyJson) {
  auto c = ParseNqConfig(
      R"( {"future": [1, -2.5e-3, true, null, {"x": "\u00e9\ud83d\ude00\"\\\/"}], "version": "1",
      "urls": {)" +
      Urls("http://[2001:db8::1]:8080") + R"(, "more": {}}} )");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->origin, "http://[2001:db8::1]:8080");
  EXPECT_FALSE(c->tls);
  EXPECT_EQ(UrlPath(c->small_download_url), "/small");
}

TEST(NqConfigTest, RejectsWhatTheDraftForbids) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "config resource: invalid JSON at byte 0: unexpected end"},
      {"[1]", "config resource: must be a JSON object"},
      {R"({"version": 1, "urls": {)" + Urls() + "}} x",
       "config resource: invalid JSON at byte " + std::to_string(24 + Urls().size() + 3) +
           ": unexpected text after the JSON value"},
      {R"({"urls": {)" + Urls() + "}}", "config resource: \"version\" is missing"},
      {R"({"version": 2, "urls": {)" + Urls() + "}}",
       "config resource: version must be 1 (the only version this client speaks)"},
      {R"({"version": 1, "version": 1, "urls": {)" + Urls() + "}}",
       "config resource: \"version\" appears more than once"},
      {R"({"version": 1})", "config resource: \"urls\" must be an object with the three test URLs"},
      {R"({"version": 1, "urls": {)" + Urls() + R"(, "upload_url": "https://rpm.example.com/u"}})",
       "config resource: \"upload_url\" appears more than once"},
      {R"({"version": 1, "urls": {"small_download_url": "https://a/s", "upload_url": "https://a/u"}})",
       "config resource: urls.large_download_url is missing (also accepted: "
       "large_https_download_url)"},
      {R"({"version": 1, "urls": {)" + Urls() + R"(}, "test_endpoint": "a", "test_endpoint": "b"})",
       "config resource: \"test_endpoint\" appears more than once"},
      {R"({"version": 1, "urls": {)" + Urls() + R"(}, "test_endpoint": "a/b"})",
       "config resource: test_endpoint must be a host name or address, without a port"},
      {R"({"version": 1, "urls": {)" + Urls() + R"(}, "test_endpoint": "b.example:8443"})",
       "config resource: test_endpoint must be a host name or address, without a port"},
      {R"({"version": 1, "urls": {"small_download_url": "https://a.example/s",
          "large_download_url": "https://b.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: the three URLs must share scheme, host and port (https://b.example:443 "
       "vs https://a.example:443)"},
      {R"({"version": 1, "urls": {"small_download_url": "https://a.example:8443/s",
          "large_download_url": "https://a.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: the three URLs must share scheme, host and port (https://a.example:443 "
       "vs https://a.example:8443)"},
      {R"({"version": 1, "urls": {"small_download_url": "ftp://a.example/s",
          "large_download_url": "https://a.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: urls.small_download_url must be an http:// or https:// URL, got "
       "\"ftp://a.example/s\""},
      {R"({"version": 1, "urls": {"small_download_url": "https://u:p@a.example/s",
          "large_download_url": "https://a.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: urls.small_download_url must not carry credentials"},
      {R"({"version": 1, "urls": {"small_download_url": 7,
          "large_download_url": "https://a.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: urls.small_download_url must be a string"},
      {R"({"version": 1, "urls": {"small_download_url": "https://a .example/s",
          "large_download_url": "https://a.example/l", "upload_url": "https://a.example/u"}})",
       "config resource: urls.small_download_url is not a valid URL: \"https://a .example/s\""},
      {"{\"version\": 1, \"a\": \"\x01\"}",
       "config resource: invalid JSON at byte 22: control character in a string"},
      {R"({"version": 1, "a": "\ud800"})",
       "config resource: invalid JSON at byte 27: unpaired surrogate"},
      {R"({"version": 01})", "config resource: invalid JSON at byte 14: invalid value"},
      {R"({"version": 1,})", "config resource: invalid JSON at byte 14: expected a member name"},
      {std::string(40, '[') + std::string(40, ']'),
       "config resource: invalid JSON at byte 33: nested deeper than 32"},
  };
  for (const auto& [body, want] : cases) {
    auto c = ParseNqConfig(body);
    ASSERT_FALSE(c.ok()) << body;
    EXPECT_EQ(c.status().message(), want) << body;
  }
}

}  // namespace
}  // namespace hermes::probe
