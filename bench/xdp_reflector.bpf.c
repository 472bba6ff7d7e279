// SPDX-License-Identifier: GPL-2.0
// synscan's XDP reflector (scripts/lab.sh up --reflector; loaded by bench/xdp_reflector.cpp): attached to the
// lab target's veth, it turns each probe into its reply in place and sends it back out of the same interface
// (XDP_TX), so the target answers every probe at the rate it arrives, without a kernel stack in the way.
//
// Rules (the lab's truth.json "reflector" says the same; both families, any destination address):
//   TCP SYN (no ACK), even destination port  -> SYN-ACK, ack = seq + 1, seq = ~seq        (open, syn-ack)
//   TCP SYN (no ACK), odd destination port   -> RST+ACK, ack = seq + 1, seq = 0, window 0  (closed, rst)
//   UDP to port 53 with a DNS header         -> the query echoed with QR set (RFC 1035 4.1.1: a response with
//                                               no answers; its ID, synscan's cookie, echoed) (open)
//   ICMP echo request / ICMPv6 echo request  -> echo reply (type 0 / 129), identifier, sequence, data echoed
//   any other TCP (the scanner kernel's RSTs) or UDP port  -> dropped (UDP: open|filtered, no-response)
//   everything else (ARP, neighbour discovery, ...)         -> passed to the target's kernel
// Each reply swaps the Ethernet addresses, the IP addresses and the ports; its checksums are updated
// incrementally (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')) for each 16-bit word that changed. Swapping
// addresses or ports leaves the sum unchanged (the pseudo-header and the header sum the same words). TCP
// options (the SYN's MSS) are left in place; the IPv4 TTL and IPv6 hop limit are kept.
// No VLAN tags, no IPv4 options, no IPv6 extension headers: the lab sends none.
// The kernel's types (linux/bpf.h) before libbpf's helpers, which use them: kept in this order.
// clang-format off
#include <linux/bpf.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
// clang-format on

// ICMP's echo header (RFC 792); linux/icmp.h pulls in libc headers that a BPF target cannot take.
struct echo4 {
  __u8 type, code;
  __sum16 checksum;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

// RFC 1624 eqn. 3 for one 16-bit word (network order in, network order out; the one's complement sum does
// not depend on byte order as long as every word is taken alike).
static __always_inline void csum_replace2(__u16* sum, __u16 old, __u16 new_word) {
  __u32 s = (__u16) ~*sum + (__u32)(__u16)~old + new_word;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  *sum = (__u16)~s;
}

static __always_inline void csum_replace4(__u16* sum, __u32 old, __u32 new_word) {
  csum_replace2(sum, (__u16)(old >> 16), (__u16)(new_word >> 16));
  csum_replace2(sum, (__u16)old, (__u16)new_word);
}

static __always_inline void swap_eth(struct ethhdr* eth) {
  unsigned char tmp[ETH_ALEN];
  __builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
  __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

// TCP: a SYN becomes a SYN-ACK or a RST+ACK; anything else is dropped (the scanner kernel's RSTs).
static __always_inline int reflect_tcp(struct tcphdr* tcp, void* end) {
  if ((void*)(tcp + 1) > end) return XDP_PASS;
  if (!tcp->syn || tcp->ack || tcp->rst || tcp->fin) return XDP_DROP;
  __u16 old_flags = ((__u16*)tcp)[6];  // data offset, reserved bits and flags: the 7th 16-bit word
  __u32 old_seq = tcp->seq, old_ack = tcp->ack_seq;
  __u16 old_window = tcp->window;
  __u16 port = tcp->source;
  tcp->source = tcp->dest;
  tcp->dest = port;
  tcp->ack_seq = bpf_htonl(bpf_ntohl(old_seq) + 1);
  tcp->ack = 1;
  if (bpf_ntohs(tcp->source) & 1) {  // odd port: closed
    tcp->syn = 0;
    tcp->rst = 1;
    tcp->seq = 0;
    tcp->window = 0;
  } else {
    tcp->seq = ~old_seq;
  }
  csum_replace2(&tcp->check, old_flags, ((__u16*)tcp)[6]);
  csum_replace4(&tcp->check, old_seq, tcp->seq);
  csum_replace4(&tcp->check, old_ack, tcp->ack_seq);
  csum_replace2(&tcp->check, old_window, tcp->window);
  return XDP_TX;
}

// UDP: a DNS query to port 53 comes back with QR set; other ports are dropped. `zero_sum_ok`: IPv4, where a
// zero checksum means none (RFC 768) and stays zero.
static __always_inline int reflect_udp(struct udphdr* udp, void* end, int zero_sum_ok) {
  if ((void*)(udp + 1) > end) return XDP_PASS;
  if (udp->dest != bpf_htons(53)) return XDP_DROP;
  __u16* flags = (__u16*)((__u8*)(udp + 1) + 2);
  if ((void*)(flags + 1) > end || bpf_ntohs(udp->len) < sizeof(*udp) + 12) return XDP_DROP;
  __u16 old = *flags;
  *flags = old | bpf_htons(0x8000);
  __u16 port = udp->source;
  udp->source = udp->dest;
  udp->dest = port;
  if (!(zero_sum_ok && udp->check == 0)) csum_replace2(&udp->check, old, *flags);
  return XDP_TX;
}

static __always_inline int reflect_v4(struct iphdr* ip, void* end) {
  if ((void*)(ip + 1) > end || ip->ihl != 5) return XDP_PASS;
  if (ip->frag_off & bpf_htons(0x3fff)) return XDP_PASS;  // a fragment: not a probe of ours
  int verdict;
  void* l4 = ip + 1;
  if (ip->protocol == IPPROTO_TCP) {
    verdict = reflect_tcp(l4, end);
  } else if (ip->protocol == IPPROTO_UDP) {
    verdict = reflect_udp(l4, end, 1);
  } else if (ip->protocol == IPPROTO_ICMP) {
    struct echo4* icmp = l4;
    if ((void*)(icmp + 1) > end) return XDP_PASS;
    if (icmp->type != ICMP_ECHO || icmp->code != 0) return XDP_PASS;
    __u16 old = ((__u16*)icmp)[0];
    icmp->type = ICMP_ECHOREPLY;
    csum_replace2(&icmp->checksum, old, ((__u16*)icmp)[0]);
    verdict = XDP_TX;
  } else {
    return XDP_PASS;
  }
  if (verdict == XDP_TX) {
    __be32 addr = ip->saddr;
    ip->saddr = ip->daddr;
    ip->daddr = addr;
  }
  return verdict;
}

static __always_inline int reflect_v6(struct ipv6hdr* ip, void* end) {
  if ((void*)(ip + 1) > end) return XDP_PASS;
  int verdict;
  void* l4 = ip + 1;
  if (ip->nexthdr == IPPROTO_TCP) {
    verdict = reflect_tcp(l4, end);
  } else if (ip->nexthdr == IPPROTO_UDP) {
    verdict = reflect_udp(l4, end, 0);
  } else if (ip->nexthdr == IPPROTO_ICMPV6) {
    struct icmp6hdr* icmp = l4;
    if ((void*)(icmp + 1) > end) return XDP_PASS;
    if (icmp->icmp6_type != ICMPV6_ECHO_REQUEST || icmp->icmp6_code != 0) return XDP_PASS;  // NDP passes
    __u16 old = ((__u16*)icmp)[0];
    icmp->icmp6_type = ICMPV6_ECHO_REPLY;
    csum_replace2(&icmp->icmp6_cksum, old, ((__u16*)icmp)[0]);
    verdict = XDP_TX;
  } else {
    return XDP_PASS;
  }
  if (verdict == XDP_TX) {
    struct in6_addr addr = ip->saddr;
    ip->saddr = ip->daddr;
    ip->daddr = addr;
  }
  return verdict;
}

SEC("xdp")
int synscan_reflect(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  int verdict;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    verdict = reflect_v4((struct iphdr*)(eth + 1), end);
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    verdict = reflect_v6((struct ipv6hdr*)(eth + 1), end);
  } else {
    return XDP_PASS;
  }
  if (verdict == XDP_TX) swap_eth(eth);
  return verdict;
}

// The other end of the pair (the scanner's veth): XDP_TX frames reach a veth only when it runs an XDP program
// too (/work/shared/LAB-NOTES.md); this one passes every frame on.
SEC("xdp")
int synscan_pass(struct xdp_md* ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
