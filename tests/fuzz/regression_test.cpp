// Every committed fuzz input, run through its target in every build (GCC Release included, no
// libFuzzer needed): the seed corpora in corpus/<target>/ and the inputs that once crashed a
// target in regressions/<target>/. A target aborts on a broken invariant, which fails the test;
// the input being run is printed first so the failure names it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace plexus::fuzz {

// Test names show the target, not the bytes of the struct.
void PrintTo(const Target& target, std::ostream* out) {
  *out << target.name;
}

namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = PLEXUS_FUZZ_SOURCE_DIR;

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    // README and .gitkeep describe a directory; they are not inputs.
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.' &&
        entry.path().extension() != ".md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every input of corpus/<name>/ and regressions/<name>/; returns how many.
std::size_t runAll(const Target& target) {
  std::size_t count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const fs::path& file : filesIn(kFuzzDir / kind / target.name)) {
      std::fprintf(stderr, "%s: %s\n", target.name, file.c_str());
      const std::string bytes = readFile(file);
      target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  return count;
}

class FuzzRegressionTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzRegressionTest, CommittedInputsPass) {
  const Target& target = GetParam();
  EXPECT_GE(filesIn(kFuzzDir / "corpus" / target.name).size(), 5u)
      << "the seed corpus of " << target.name << " is (nearly) empty";
  const std::size_t ran = runAll(target);
  RecordProperty("inputs", static_cast<int>(ran));
}

TEST_P(FuzzRegressionTest, EmptyAndTinyInputsPass) {
  const Target& target = GetParam();
  const std::uint8_t bytes[] = {0x00, 0xff, 0xfe, 0xed, 0xfa, 0xce, 0x0a, 0x00};
  for (std::size_t size = 0; size <= sizeof bytes; ++size)
    target.run(bytes, size);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressionTest, ::testing::ValuesIn(kTargets),
                         [](const auto& info) { return std::string(info.param.testName); });

}  // namespace
}  // namespace plexus::fuzz
