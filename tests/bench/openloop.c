// openloop: a fixed-rate (open-loop) HTTP/1.1 load generator with nanosecond latencies, for the load benchmark.
//
// Usage: openloop -r RATE -d SECONDS [-c CONNECTIONS] [-w WARMUP_SECONDS] [-t TIMEOUT_MS] [-s SAMPLES_FILE] http://HOST:PORT/PATH
//
// Request i is due at start + i / RATE. It goes out on an idle keep-alive connection (one request in flight per
// connection, no pipelining) as soon as it is due; when none is idle it waits, and its latency still counts from the
// time it was due, not from when it went out: a stall of the server shows up in the percentiles instead of slowing
// the generator down (no coordinated omission). One thread, non-blocking sockets, epoll, and a timerfd armed at the
// next due time (TFD_TIMER_ABSTIME on CLOCK_MONOTONIC), so the generator neither sleeps in milliseconds nor spins.
// Requests of the first WARMUP_SECONDS are sent but not recorded.
//
// Prints one line, key=value, latencies in microseconds:
//   openloop rate=.. seconds=.. connections=.. sent=.. count=.. errors=.. p50_us=.. p90_us=.. p99_us=.. p999_us=..
//   max_us=.. mean_us=.. send_late_p99_us=.. wake_late_p99_us=..
// count is the recorded 2xx responses; errors are non-2xx answers, broken connections and requests without an answer
// TIMEOUT_MS (default 2000) after the last one was due. send_late_p99_us: how long after its due time the 99th
// percentile request was written (the generator's wake-up plus any wait for a connection the server had not answered
// on yet). wake_late_p99_us is the generator's own floor: how late its timer woke it for a due request (scheduler
// latency, timer slack), with no server in it. With -s, every recorded latency is also written to SAMPLES_FILE, one per
// line in microseconds, sorted, so that runs can be pooled before taking percentiles.
// Exit code 0 when it ran (errors are reported, not fatal), 2 on bad arguments, 1 when it cannot connect.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_SIZE 65536
#define MAX_CONNECTIONS 1024

typedef struct {
  int fd;
  int busy;
  uint64_t index;  // the request in flight
  uint64_t due;    // its due time, ns
  size_t length;   // bytes in buffer
  char buffer[BUFFER_SIZE];
} connection;

static struct addrinfo *address;
static char request[2048];
static size_t request_length;
static int epoll_fd;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int compare(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile(const uint64_t *sorted, uint64_t n, double q) {
  if (n == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return (double)sorted[rank - 1] / 1000.0;
}

static int open_connection(connection *c) {
  int fd = socket(address->ai_family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    close(fd);
    return -1;
  }
  struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
    close(fd);
    return -1;
  }
  c->fd = fd;
  c->busy = 0;
  c->length = 0;
  return 0;
}

static void close_connection(connection *c) {
  if (c->fd >= 0) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->busy = 0;
  c->length = 0;
}

// Length of the complete response at the start of buffer, 0 when more bytes are needed, -1 when it cannot be framed.
static long response_length(const char *buffer, size_t length, int *status) {
  const char *end = memmem(buffer, length, "\r\n\r\n", 4);
  if (end == NULL) return length >= BUFFER_SIZE ? -1 : 0;
  size_t header = (size_t)(end - buffer) + 4;
  if (length < 12 || memcmp(buffer, "HTTP/1.", 7) != 0) return -1;
  *status = atoi(buffer + 9);
  long content_length = -1;
  int chunked = 0;
  for (const char *line = memchr(buffer, '\n', header); line != NULL && line + 1 < end;
       line = memchr(line + 1, '\n', (size_t)(end - line - 1))) {
    const char *name = line + 1;
    if (strncasecmp(name, "content-length:", 15) == 0) content_length = atol(name + 15);
    if (strncasecmp(name, "transfer-encoding:", 18) == 0 && memmem(name, (size_t)(end - name), "chunked", 7) != NULL)
      chunked = 1;
  }
  if (chunked) {
    // Small bodies only: the response ends at the zero-length chunk.
    const char *body = buffer + header;
    size_t body_length = length - header;
    if (body_length >= 5 && memcmp(body, "0\r\n\r\n", 5) == 0) return (long)header + 5;
    const char *last = memmem(body, body_length, "\r\n0\r\n\r\n", 7);
    return last == NULL ? (length >= BUFFER_SIZE ? -1 : 0) : (long)(last - buffer) + 7;
  }
  if (content_length < 0) content_length = (*status == 204 || *status == 304) ? 0 : -1;
  if (content_length < 0) return -1;
  if (header + (size_t)content_length > BUFFER_SIZE) return -1;
  return length >= header + (size_t)content_length ? (long)(header + (size_t)content_length) : 0;
}

static void usage(void) {
  fprintf(stderr, "usage: openloop -r RATE -d SECONDS [-c CONNECTIONS] [-w WARMUP_SECONDS] [-t TIMEOUT_MS] [-s SAMPLES_FILE] http://HOST:PORT/PATH\n");
  exit(2);
}

int main(int argc, char **argv) {
  double rate = 0, seconds = 0, warmup = 0;
  int connections = 16, timeout_ms = 2000, option;
  const char *samples = NULL;
  while ((option = getopt(argc, argv, "r:d:c:w:t:s:")) != -1) {
    switch (option) {
      case 'r': rate = atof(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'c': connections = atoi(optarg); break;
      case 'w': warmup = atof(optarg); break;
      case 't': timeout_ms = atoi(optarg); break;
      case 's': samples = optarg; break;
      default: usage();
    }
  }
  if (optind != argc - 1 || rate <= 0 || seconds <= 0 || warmup < 0 || connections < 1 || connections > MAX_CONNECTIONS ||
      timeout_ms < 1 || strncmp(argv[optind], "http://", 7) != 0)
    usage();

  // http://host[:port][/path]
  char host[256], port[16] = "80";
  const char *url = argv[optind] + 7, *slash = strchr(url, '/'), *path = slash ? slash : "/";
  size_t authority = slash ? (size_t)(slash - url) : strlen(url);
  const char *colon = memchr(url, ':', authority);
  size_t host_length = colon ? (size_t)(colon - url) : authority;
  if (host_length == 0 || host_length >= sizeof host) usage();
  memcpy(host, url, host_length);
  host[host_length] = 0;
  if (colon) {
    size_t port_length = authority - host_length - 1;
    if (port_length == 0 || port_length >= sizeof port) usage();
    memcpy(port, colon + 1, port_length);
    port[port_length] = 0;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  if (getaddrinfo(host, port, &hints, &address) != 0) {
    fprintf(stderr, "openloop: cannot resolve %s\n", host);
    return 1;
  }
  request_length = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %.*s\r\n\r\n", path, (int)authority, url);

  epoll_fd = epoll_create1(0);
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event timer_event = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer, &timer_event);
  connection *pool = calloc((size_t)connections, sizeof(connection));
  for (int i = 0; i < connections; i++) {
    pool[i].fd = -1;
    if (open_connection(&pool[i]) != 0) {
      fprintf(stderr, "openloop: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
      return 1;
    }
  }

  const double interval = 1e9 / rate;
  const uint64_t skipped = (uint64_t)(warmup * rate), total = skipped + (uint64_t)(seconds * rate);
  uint64_t *latencies = malloc(sizeof(uint64_t) * (total + 1)), *late = malloc(sizeof(uint64_t) * (total + 1));
  uint64_t *wake_late = malloc(sizeof(uint64_t) * (total + 1));
  uint64_t recorded = 0, late_count = 0, wake_count = 0, errors = 0, next = 0, in_flight = 0, armed_due = 0;
  const uint64_t start = now_ns() + 1000000;  // 1 ms from now, so request 0 is not already late
  const uint64_t last_due = start + (uint64_t)((double)(total - 1) * interval);
  const uint64_t give_up = last_due + (uint64_t)timeout_ms * 1000000ull;
  struct epoll_event events[MAX_CONNECTIONS + 1];

  for (;;) {
    uint64_t now = now_ns();
    // Send every due request that has an idle connection, oldest first.
    for (int i = 0; i < connections && next < total; i++) {
      uint64_t due = start + (uint64_t)((double)next * interval);
      if (due > now) break;
      connection *c = &pool[i];
      if (c->busy) continue;
      if (c->fd < 0 && open_connection(c) != 0) continue;
      ssize_t written = send(c->fd, request, request_length, MSG_NOSIGNAL);
      if (written != (ssize_t)request_length) {
        errors += next >= skipped;
        close_connection(c);
        next++;
        continue;
      }
      if (next >= skipped) late[late_count++] = now - due;
      c->busy = 1;
      c->index = next++;
      c->due = due;
      in_flight++;
      now = now_ns();
    }
    if (next >= total && in_flight == 0) break;
    if (now >= give_up) {
      errors += in_flight;  // no answer within the timeout
      break;
    }

    // Wake at the next due time when a connection is idle to take it, else when a response arrives (or at give_up).
    int any_idle = 0;
    for (int i = 0; i < connections && !any_idle; i++) any_idle = !pool[i].busy;
    uint64_t wake = give_up;
    armed_due = 0;
    if (next < total && any_idle) {
      uint64_t due = start + (uint64_t)((double)next * interval);
      if (due < wake) wake = armed_due = due;
    }
    struct itimerspec at = {.it_value = {.tv_sec = (time_t)(wake / 1000000000ull), .tv_nsec = (long)(wake % 1000000000ull)}};
    timerfd_settime(timer, TFD_TIMER_ABSTIME, &at, NULL);

    int ready = epoll_wait(epoll_fd, events, connections + 1, -1);
    if (ready < 0 && errno != EINTR) {
      perror("openloop: epoll_wait");
      return 1;
    }
    for (int e = 0; e < ready; e++) {
      connection *c = events[e].data.ptr;
      if (c == NULL) {
        uint64_t expirations;
        ssize_t ignored = read(timer, &expirations, sizeof expirations);
        (void)ignored;
        if (armed_due != 0 && next >= skipped && wake_count < total) wake_late[wake_count++] = now_ns() - armed_due;
        continue;
      }
      for (;;) {
        ssize_t n = recv(c->fd, c->buffer + c->length, BUFFER_SIZE - c->length, 0);
        if (n > 0) {
          c->length += (size_t)n;
          int status = 0;
          long complete = response_length(c->buffer, c->length, &status);
          if (complete == 0) continue;
          if (complete < 0 || !c->busy) {
            if (c->busy) {
              errors += c->index >= skipped;
              in_flight--;
            }
            close_connection(c);
            break;
          }
          uint64_t done = now_ns();
          if (c->index >= skipped) {
            if (status >= 200 && status < 300) {
              latencies[recorded++] = done - c->due;
            } else {
              errors++;
            }
          }
          c->busy = 0;
          in_flight--;
          c->length -= (size_t)complete;
          memmove(c->buffer, c->buffer + complete, c->length);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        // Closed by the server (keep-alive limit) or broken: an error only when a request was waiting for its answer.
        if (c->busy) {
          errors += c->index >= skipped;
          in_flight--;
        }
        close_connection(c);
        break;
      }
    }
  }

  qsort(latencies, recorded, sizeof(uint64_t), compare);
  qsort(late, late_count, sizeof(uint64_t), compare);
  qsort(wake_late, wake_count, sizeof(uint64_t), compare);
  double sum = 0;
  for (uint64_t i = 0; i < recorded; i++) sum += (double)latencies[i];
  printf("openloop rate=%.0f seconds=%.3f connections=%d sent=%llu count=%llu errors=%llu p50_us=%.1f p90_us=%.1f p99_us=%.1f "
         "p999_us=%.1f max_us=%.1f mean_us=%.1f send_late_p99_us=%.1f wake_late_p99_us=%.1f\n",
         rate, seconds, connections, (unsigned long long)(next - (next < skipped ? next : skipped)), (unsigned long long)recorded,
         (unsigned long long)errors, percentile(latencies, recorded, 0.50), percentile(latencies, recorded, 0.90),
         percentile(latencies, recorded, 0.99), percentile(latencies, recorded, 0.999),
         recorded ? (double)latencies[recorded - 1] / 1000.0 : 0, recorded ? sum / (double)recorded / 1000.0 : 0,
         percentile(late, late_count, 0.99), percentile(wake_late, wake_count, 0.99));
  if (samples) {
    FILE *file = fopen(samples, "w");
    if (!file) {
      fprintf(stderr, "openloop: cannot write %s: %s\n", samples, strerror(errno));
      return 1;
    }
    for (uint64_t i = 0; i < recorded; i++) fprintf(file, "%.3f\n", (double)latencies[i] / 1000.0);
    fclose(file);
  }
  for (int i = 0; i < connections; i++) close_connection(&pool[i]);
  freeaddrinfo(address);
  return 0;
}
