// Plain (non-libFuzzer) driver: replays files through LLVMFuzzerTestOneInput so
// that the seed corpus and every regression input run in the normal test suite,
// with any compiler. Arguments are files or directories (read recursively, in
// sorted order); a missing directory is skipped. A crash or failed invariant
// aborts the process, which fails the CTest test. An input that takes more than
// HERMES_FUZZ_REPLAY_MAX_CPU_SECONDS (default 20) of CPU time also fails it, like
// libFuzzer's -timeout: regression inputs include hangs (quadratic parsing).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

std::vector<std::filesystem::path> Inputs(const std::filesystem::path& arg) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (std::filesystem::is_directory(arg, ec)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(arg, ec)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    }
  } else if (std::filesystem::is_regular_file(arg, ec)) {
    out.push_back(arg);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  const char* limit_env = std::getenv("HERMES_FUZZ_REPLAY_MAX_CPU_SECONDS");
  const double max_cpu_seconds = limit_env != nullptr ? std::atof(limit_env) : 20.0;
  int replayed = 0;
  int slow = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& path : Inputs(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), data.size());
      // A fresh heap buffer of exactly `size` bytes, as libFuzzer passes, so ASan
      // catches reads past the end.
      std::unique_ptr<uint8_t[]> copy(new uint8_t[data.size() + (data.empty() ? 1 : 0)]);
      std::copy(data.begin(), data.end(), copy.get());
      const std::clock_t start = std::clock();
      LLVMFuzzerTestOneInput(copy.get(), data.size());
      const double cpu = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
      if (cpu > max_cpu_seconds) {
        std::fprintf(stderr, "replay: %s took %.1f s of CPU, limit %.1f s\n", path.c_str(), cpu,
                     max_cpu_seconds);
        ++slow;
      }
      ++replayed;
    }
  }
  std::printf("replayed %d inputs, %d too slow\n", replayed, slow);
  return replayed > 0 && slow == 0 ? 0 : 1;
}
