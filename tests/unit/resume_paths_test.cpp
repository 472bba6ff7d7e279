// C-N17: where a resumed run writes a file of the stopped run that cannot be appended to (its --metadata, -oX,
// -oJ, -oC): beside it, never over it, also on the second and third resume of one scan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/resume.hpp"

namespace synscan {
namespace {

TEST(ResumedPath, EachResumeGetsAFileOfItsOwn) {
  char dir_template[] = "/tmp/synscan-resumed-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::filesystem::path dir(dir_template);
  const std::string first = (dir / "m.json").string();
  std::ofstream(first) << "stopped run";
  EXPECT_EQ(resumed_path(first), first + ".resumed");
  std::ofstream(first + ".resumed") << "first resume";
  EXPECT_EQ(resumed_path(first), first + ".resumed.2");
  std::ofstream(first + ".resumed.2") << "second resume";
  EXPECT_EQ(resumed_path(first), first + ".resumed.3");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace synscan
