// POSIX twin of the Winsock implementation, so the Windows code path can be
// driven over real sockets in tests. There is no loopback fast path here, and
// it says so: EOPNOTSUPP, like a Windows stack without the feature.
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>
#include "../socket.h"

namespace fastnet {

namespace {
int BindAny(int fd, int family) {
  if (family == 6) {
    sockaddr_in6 a{};  // zero: the address is ::, the port 0
    a.sin6_family = AF_INET6;
    return bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  sockaddr_in a{};  // zero: the address is 0.0.0.0, the port 0
  a.sin_family = AF_INET;
  return bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
}
}  // namespace

int64_t CreateTcpSocket(int family, bool bind_any, int* err) {
  if (family != 4 && family != 6) { *err = EAFNOSUPPORT; return -1; }
  int af = family == 6 ? AF_INET6 : AF_INET;
#ifdef SOCK_CLOEXEC
  // Never inheritable, as on Windows.
  int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) { *err = errno; return -1; }
#else
  int fd = socket(af, SOCK_STREAM, 0);
  if (fd < 0) { *err = errno; return -1; }
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) { *err = errno; close(fd); return -1; }
#endif
  if (family == 6) {
    int on = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) {
      *err = errno;
      close(fd);
      return -1;
    }
  }
  if (bind_any && BindAny(fd, family) != 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

int EnableLoopbackFastPath(int64_t) { return EOPNOTSUPP; }

int CloseTcpSocket(int64_t sock) {
  return close(static_cast<int>(sock)) == 0 ? 0 : errno;
}

}  // namespace fastnet
