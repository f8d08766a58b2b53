// Fuzzes the responsiveness server's config resource: probe::ParseNqConfig() on
// arbitrary bytes (a hostile far end's answer) must return a value or an error,
// never crash, leak or hang. What it accepts must be what the probe relies on: three
// http(s) URLs of one origin, and a test_endpoint that is empty or a plain host.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "probe/nq_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = hermes::probe::ParseNqConfig(text);
  if (!c.ok()) {
    FUZZ_CHECK(c.status().message().rfind("config resource: ", 0) == 0, "error without context: %s",
               c.status().message().c_str());
    return 0;
  }
  FUZZ_CHECK(!c->origin.empty(), "accepted a config without an origin");
  for (const std::string* url : {&c->large_download_url, &c->small_download_url, &c->upload_url}) {
    FUZZ_CHECK(hermes::probe::UrlOrigin(*url) == c->origin, "URL %s outside origin %s",
               url->c_str(), c->origin.c_str());
  }
  FUZZ_CHECK(c->tls == (c->origin.rfind("https://", 0) == 0), "tls flag disagrees with %s",
             c->origin.c_str());
  FUZZ_CHECK(c->test_endpoint.find_first_of("/ @?#") == std::string::npos,
             "test_endpoint is more than a host: %s", c->test_endpoint.c_str());
  return 0;
}
