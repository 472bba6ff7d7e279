// A fixed rate's watch (RateWatch, engine/rate_thread.hpp) on the simulated path (tests/unit/path_sim.hpp):
// it warns when the replies per probe fall during the scan, and stays silent on a clean path and on a scan
// too small to tell.
#include <gtest/gtest.h>

#include "engine/rate_thread.hpp"
#include "path_sim.hpp"

namespace synscan {
namespace {

// Runs a fixed `pps` over `path` for `seconds` (or `probes`) and returns the watch.
RateWatch watch_fixed(const test::PathParams& path, double pps, double seconds,
                      std::uint64_t probes = ~0ull) {
  RateControllerParams fixed;
  fixed.start_pps = fixed.min_pps = fixed.max_pps = pps;
  RateController controller(fixed);
  RateWatch watch;
  test::PathSim(path, 11).run(
      controller, probes, seconds, {},
      [&](double t, std::uint64_t sent, std::uint64_t replies) { watch.update(t, sent, replies); });
  return watch;
}

TEST(RateWatch, SilentOnACleanPath) {
  test::PathParams clean;
  EXPECT_FALSE(watch_fixed(clean, 100000, 60).fired());
  clean.responders = 0.01;
  clean.loss_fwd = clean.loss_rev = 0.02;  // random loss is constant: no fall
  EXPECT_FALSE(watch_fixed(clean, 50000, 120).fired());
}

// A policer at 20,000 pps whose bucket holds 2 s of burst: a scan at 40,000 pps is exact for its first second
// or so, then loses half: the watch says so, with the ratios before and after.
TEST(RateWatch, WarnsWhenTheRatioFallsAtAFixedRate) {
  test::PathParams path;
  path.policer_pps = 20000;
  path.policer_burst = 40000;
  const RateWatch w = watch_fixed(path, 40000, 20);
  ASSERT_TRUE(w.fired());
  EXPECT_NEAR(w.reference_ratio(), 0.3, 0.03);
  EXPECT_LT(w.fallen_ratio(), 0.8 * w.reference_ratio());
  EXPECT_NEAR(w.fallen_pps(), 40000, 4000);
}

// A scan whose probes draw fewer than 2,000 replies in all: too few to say anything, whatever the path does.
TEST(RateWatch, SilentOnATinyScan) {
  test::PathParams path;
  path.policer_pps = 2000;
  path.policer_burst = 1000;
  EXPECT_FALSE(watch_fixed(path, 40000, 10, 6000).fired());
}

// What it cannot see: a loss that is the same from the first probe (a policer already below the rate, with no
// burst) does not move the ratio at a fixed rate. --rate auto finds it by changing the rate.
TEST(RateWatch, ALossConstantFromTheStartIsNotSeen) {
  test::PathParams path;
  path.policer_pps = 20000;
  path.policer_burst = 10;
  EXPECT_FALSE(watch_fixed(path, 40000, 20).fired());
}

}  // namespace
}  // namespace synscan
