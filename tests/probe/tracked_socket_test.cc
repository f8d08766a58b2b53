#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "net/curl_easy.h"
#include "testing/testing.h"

namespace hermes::net {
namespace {

using hermes::testing::Eventually;

// A connected loopback TCP pair; `receive_buffer` > 0 sets the accepting end's
// SO_RCVBUF before the handshake (so the window it offers is small from the start).
struct TcpPair {
  explicit TcpPair(int receive_buffer = 0) {
    const int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(lfd, 1), 0);
    getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
    client = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    server = accept(lfd, nullptr, nullptr);
    close(lfd);
  }
  ~TcpPair() {
    if (client >= 0) close(client);
    if (server >= 0) close(server);
  }
  int client = -1;
  int server = -1;
};

// What a download's rate adds to the bytes hermes read: what the kernel received
// that hermes has not read yet (a CPU-starved reader's backlog).
TEST(TrackedSocketTest, UnreadBytesAreWhatArrivedButWasNotRead) {
  TcpPair p;
  const TrackedSocket s{p.client};
  const std::string data(64 * 1024, 'x');
  ASSERT_EQ(write(p.server, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_TRUE(Eventually([&] { return UnreadBytes(s) == data.size(); })) << UnreadBytes(s);
  std::string sink(data.size(), '\0');
  ASSERT_EQ(read(p.client, sink.data(), 1000), 1000);
  EXPECT_EQ(UnreadBytes(s), data.size() - 1000);
  EXPECT_EQ(UnreadBytes(TrackedSocket{}), 0u);
}

// What an upload's rate takes off the bytes written: what the peer has not
// acknowledged (a peer that reads nothing acknowledges at most its window).
TEST(TrackedSocketTest, UnackedBytesAreWhatThePeerHasNotAcknowledged) {
  TcpPair p(/*receive_buffer=*/4096);
  const TrackedSocket s{p.client};
  fcntl(p.client, F_SETFL, fcntl(p.client, F_GETFL) | O_NONBLOCK);
  const std::string block(16 * 1024, 'x');
  uint64_t written = 0;
  for (;;) {
    const ssize_t n = write(p.client, block.data(), block.size());
    if (n <= 0) break;  // EAGAIN: the send buffer is full
    written += static_cast<uint64_t>(n);
  }
  EXPECT_GT(UnackedBytes(s), written / 2) << "written " << written;
  std::string sink(1 << 20, '\0');
  uint64_t read_back = 0;
  while (read_back < written) {
    const ssize_t n = read(p.server, sink.data(), sink.size());
    ASSERT_GT(n, 0);
    read_back += static_cast<uint64_t>(n);
  }
  EXPECT_TRUE(Eventually([&] { return UnackedBytes(s) == 0; })) << UnackedBytes(s);
}

}  // namespace
}  // namespace hermes::net
