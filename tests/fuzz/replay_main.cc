// Plain (non-libFuzzer) driver: replays files through LLVMFuzzerTestOneInput so
// that the seed corpus and every regression input run in the normal test suite,
// with any compiler. Arguments are files or directories (read recursively, in
// sorted order); a missing directory is skipped. A crash or failed invariant
// aborts the process, which fails the CTest test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
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
  int replayed = 0;
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
      LLVMFuzzerTestOneInput(copy.get(), data.size());
      ++replayed;
    }
  }
  std::printf("replayed %d inputs\n", replayed);
  return replayed > 0 ? 0 : 1;
}
