// --pcap-out's error for a file that cannot be created: the path once, then libpcap's reason.
#include "capture/pcap_dumper.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <memory>

namespace synscan {
namespace {

TEST(PcapDumper, OpenErrorNamesThePathOnce) {
  // libpcap's own text for the failure (a dead handle: no interface, no privilege needed).
  std::unique_ptr<pcap_t, void (*)(pcap_t*)> dead(pcap_open_dead(DLT_EN10MB, 256), pcap_close);
  ASSERT_NE(dead, nullptr);
  const std::string path = "/nonexistent/p.pcap";
  ASSERT_EQ(pcap_dump_open(dead.get(), path.c_str()), nullptr);
  EXPECT_EQ(dump_open_error(path, pcap_geterr(dead.get())),
            "cannot write --pcap-out '/nonexistent/p.pcap': No such file or directory");
  EXPECT_EQ(dump_open_error("x.pcap", "some other reason"),
            "cannot write --pcap-out 'x.pcap': some other reason");
}

}  // namespace
}  // namespace synscan
