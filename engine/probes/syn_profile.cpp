#include "engine/probes/syn_profile.hpp"

#include <initializer_list>

namespace synscan {
namespace {

constexpr std::uint8_t kEol = 0;
constexpr std::uint8_t kNop = 1;
constexpr std::uint8_t kMss = 2;
constexpr std::uint8_t kWscale = 3;
constexpr std::uint8_t kSackPermitted = 4;
constexpr std::uint8_t kTimestamps = 8;

// Appends options to a SynOptions, keeping where the TSval lands.
class OptionWriter {
 public:
  explicit OptionWriter(SynOptions& o) : o_(o) {}
  OptionWriter& add(std::initializer_list<std::uint8_t> bytes) {
    for (std::uint8_t b : bytes) o_.bytes[o_.size++] = b;
    return *this;
  }
  OptionWriter& mss(std::uint16_t v) {
    return add({kMss, 4, static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
  }
  OptionWriter& wscale(std::uint8_t shift) { return add({kWscale, 3, shift}); }
  OptionWriter& sack_permitted() { return add({kSackPermitted, 2}); }
  OptionWriter& timestamps() {
    add({kTimestamps, 10});
    o_.tsval_offset = static_cast<std::int8_t>(o_.size);
    return add({0, 0, 0, 0, 0, 0, 0, 0});
  }

 private:
  SynOptions& o_;
};

// Linux and Windows open with the largest multiple of the MSS in 16 bits: 44 x 1460 = 64240 over IPv4, 45 x
// 1440 = 64800 over IPv6.
std::uint16_t mss_multiple(std::uint16_t mss) noexcept {
  return mss == 0 ? 65535 : static_cast<std::uint16_t>(65535 / mss * mss);
}

}  // namespace

std::string_view syn_profile_name(SynProfile p) noexcept {
  switch (p) {
    case SynProfile::windows:
      return "windows";
    case SynProfile::linux:
      return "linux";
    case SynProfile::bsd:
      return "bsd";
    case SynProfile::mss:
      return "mss";
    case SynProfile::none:
      return "none";
  }
  return "?";
}

std::optional<SynProfile> syn_profile_by_name(std::string_view name) noexcept {
  for (SynProfile p : kSynProfiles) {
    if (syn_profile_name(p) == name) return p;
  }
  return std::nullopt;
}

SynOptions syn_options(SynProfile p, std::uint16_t mss) noexcept {
  SynOptions o;
  OptionWriter w(o);
  switch (p) {
    case SynProfile::windows:
      w.mss(mss).add({kNop}).wscale(8).add({kNop, kNop}).sack_permitted();
      o.window = mss_multiple(mss);
      o.ttl = 128;
      break;
    case SynProfile::linux:
      w.mss(mss).sack_permitted().timestamps().add({kNop}).wscale(7);
      o.window = mss_multiple(mss);
      break;
    case SynProfile::bsd:
      w.mss(mss).add({kNop}).wscale(6).add({kNop, kNop}).timestamps().sack_permitted().add({kEol, kEol});
      o.window = 65535;
      break;
    case SynProfile::mss:
      w.mss(mss);
      break;
    case SynProfile::none:
      break;
  }
  return o;
}

}  // namespace synscan
