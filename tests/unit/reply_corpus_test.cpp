// The fuzzer's seed corpus (tests/fuzz/corpus, written by tests/fuzz/make_corpus.py) run through parse_reply
// and the validator of the fuzzer's scan (tests/fuzz/fuzz_scan.hpp): each seed gets the verdict its name ends
// in. The seeds are built by an independent Python builder with its own SipHash-1-3, so this also checks both
// families' cookies (engine/cookie.hpp) and the parser against a second implementation, and that the fuzzer
// starts from inputs that reach the accept path of both families.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "engine/probes/tcp_reply.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "tests/fuzz/fuzz_scan.hpp"

namespace synscan {
namespace {

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// What a seed got: "open", "closed", "filtered", "rejected" (a reply, to no probe of ours), "ignored" (no
/// reply).
std::string outcome(const std::vector<std::uint8_t>& input, const ReplyValidator& validator, Family& family) {
  const auto link = static_cast<LinkType>(input.at(0) % 4);
  const auto reply = parse_reply(std::span<const std::uint8_t>(input).subspan(1), link);
  if (!reply) return "ignored";
  family = reply->target_ip.family;
  const auto result = validator.validate(*reply);
  if (!result) return "rejected";
  return std::string(to_string(result->state));
}

TEST(ReplyCorpus, EverySeedGetsTheVerdictItsNameSays) {
  const ProbeSpace space = fuzz::make_space();
  const ReplyValidator validator(space, SynCookie(fuzz::kKey), IpAddress::v4(fuzz::kLocal4),
                                 IpAddress::v6(fuzz::kLocal6), fuzz::kPortFirst, fuzz::kPortLast);
  const std::filesystem::path dir = std::filesystem::path(SYNSCAN_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
  std::map<std::string, int> accepted_by_family;
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string expected = name.substr(name.rfind('_') + 1);
    ASSERT_TRUE(expected == "open" || expected == "closed" || expected == "filtered" ||
                expected == "rejected" || expected == "ignored")
        << name << ": the name must end in the verdict";
    Family family = Family::ipv4;
    const std::string got = outcome(read_bytes(entry.path()), validator, family);
    EXPECT_EQ(got, expected) << name;
    if (got == "open" || got == "closed" || got == "filtered") {
      ++accepted_by_family[family == Family::ipv4 ? "ipv4" : "ipv6"];
    }
    ++seeds;
  }
  EXPECT_GE(seeds, 20);
  EXPECT_GE(accepted_by_family["ipv4"], 5);
  EXPECT_GE(accepted_by_family["ipv6"], 5);
}

}  // namespace
}  // namespace synscan
