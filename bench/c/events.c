// The reference consumer of bench/events.bench.ts: libbpf's ring_buffer and
// perf_buffer APIs (Debian's libbpf 1.1), plus the producer both consumers
// share (BPF_PROG_TEST_RUN of a pinned program). Records start with a u64
// sequence number and a u64 bpf_ktime_get_ns() timestamp; the callbacks check
// that the sequence's low 32 bits increase on each ring (CPU), as the JS
// callbacks do.
//
//   events produce     PROG_PIN TOTAL CHUNK INTERVAL_US
//   events rb-drain    MAP_PIN  EXPECTED
//   events rb-stream   MAP_PIN  EXPECTED IDLE_MS
//   events rb-latency  MAP_PIN  COUNT
//   events pb-drain    MAP_PIN  EXPECTED PAGES
//   events pb-stream   MAP_PIN  EXPECTED IDLE_MS PAGES
//   events pb-latency  MAP_PIN  COUNT PAGES
//
// Consumers print "ready" once set up, then one JSON line of figures. The
// drains then wait for a line on stdin (the records are produced meanwhile).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

#define MAX_SOURCES 1024

struct state {
  uint64_t count, order_errors, lost, first_ns, last_ns;
  uint32_t last[MAX_SOURCES];
  uint64_t *latencies;
  uint64_t latency_cap;
};

static struct state st;

static void take(const void *data, int source) {
  uint32_t seq;
  memcpy(&seq, data, 4);
  if (seq <= st.last[source]) st.order_errors++;
  st.last[source] = seq;
  st.count++;
}

static int rb_cb(void *ctx, void *data, size_t size) {
  (void)ctx; (void)size;
  take(data, 0);
  return 0;
}

/* The clock is read every 1024 records (and at the end), as the JS consumer does. */
static void stream_take(const void *data, int source) {
  if (st.count == 0) st.first_ns = now_ns();
  take(data, source);
  if ((st.count & 1023) == 0) st.last_ns = now_ns();
}

static int rb_stream_cb(void *ctx, void *data, size_t size) {
  (void)ctx; (void)size;
  stream_take(data, 0);
  return 0;
}

static void latency(const void *data) {
  uint64_t ts;
  memcpy(&ts, (const char *)data + 8, 8);
  uint64_t t = now_ns();
  if (st.count < st.latency_cap) st.latencies[st.count] = t - ts;
  st.count++;
}

static int rb_latency_cb(void *ctx, void *data, size_t size) {
  (void)ctx; (void)size;
  latency(data);
  return 0;
}

static void pb_cb(void *ctx, int cpu, void *data, __u32 size) { (void)ctx; (void)size; take(data, cpu % MAX_SOURCES); }
static void pb_stream_cb(void *ctx, int cpu, void *data, __u32 size) { (void)ctx; (void)size; stream_take(data, cpu % MAX_SOURCES); }
static void pb_latency_cb(void *ctx, int cpu, void *data, __u32 size) { (void)ctx; (void)cpu; (void)size; latency(data); }
static void pb_lost_cb(void *ctx, int cpu, __u64 n) { (void)ctx; (void)cpu; st.lost += n; }

static int open_pin(const char *path) {
  int fd = bpf_obj_get(path);
  if (fd < 0) { perror(path); exit(1); }
  return fd;
}

static void produce(int prog, long n, long chunk) {
  static char pkt[64];
  while (n > 0) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof pkt, .repeat = (int)(n < chunk ? n : chunk));
    if (bpf_prog_test_run_opts(prog, &opts)) { perror("test run"); exit(1); }
    n -= opts.repeat;
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void ready(void) { printf("ready\n"); fflush(stdout); }

static void wait_go(void) {
  int c;
  while ((c = getchar()) != EOF && c != '\n') {}
}

static void print_latency(void) {
  uint64_t n = st.count < st.latency_cap ? st.count : st.latency_cap;
  qsort(st.latencies, n, sizeof(uint64_t), cmp_u64);
  printf("{\"count\":%llu,\"p50\":%llu,\"p99\":%llu,\"lost\":%llu}\n", (unsigned long long)st.count,
         (unsigned long long)(n ? st.latencies[n / 2] : 0), (unsigned long long)(n ? st.latencies[n * 99 / 100] : 0), (unsigned long long)st.lost);
}

/** Polls until `expected` records arrived, or nothing came for idle_ms after the first. */
static void stream(int (*poll)(void *, int), void *buf, uint64_t expected, int idle_ms) {
  uint64_t idle_since = 0;
  while (st.count + st.lost < expected) {
    uint64_t before = st.count;
    poll(buf, 50);
    if (st.count != before) idle_since = 0;
    else if (st.count > 0) {
      if (!idle_since) idle_since = now_ns();
      else if (now_ns() - idle_since > (uint64_t)idle_ms * 1000000ull) return;
    }
  }
  st.last_ns = now_ns();
}

static int rb_poll(void *rb, int ms) { return ring_buffer__poll(rb, ms); }
static int pb_poll(void *pb, int ms) { return perf_buffer__poll(pb, ms); }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: see the header of events.c\n"); return 2; }
  const char *mode = argv[1];
  if (!strcmp(mode, "produce")) {
    int prog = open_pin(argv[2]);
    long total = atol(argv[3]), chunk = argc > 4 ? atol(argv[4]) : total, interval_us = argc > 5 ? atol(argv[5]) : 0;
    if (!interval_us) { produce(prog, total, chunk); return 0; }
    for (long i = 0; i < total; i += chunk) {
      produce(prog, chunk, chunk);
      struct timespec d = {interval_us / 1000000, (interval_us % 1000000) * 1000};
      nanosleep(&d, NULL);
    }
    return 0;
  }
  int map = open_pin(argv[2]);
  uint64_t expected = strtoull(argv[3], NULL, 10);
  if (!strcmp(mode, "rb-drain")) {
    struct ring_buffer *rb = ring_buffer__new(map, rb_cb, NULL, NULL);
    if (!rb) { perror("ring_buffer__new"); return 1; }
    ready();
    wait_go();
    uint64_t t0 = now_ns();
    while (st.count < expected && ring_buffer__consume(rb) > 0) {}
    uint64_t t1 = now_ns();
    printf("{\"count\":%llu,\"ns\":%llu,\"order_errors\":%llu}\n", (unsigned long long)st.count, (unsigned long long)(t1 - t0), (unsigned long long)st.order_errors);
    ring_buffer__free(rb);
  } else if (!strcmp(mode, "rb-stream") || !strcmp(mode, "rb-latency")) {
    int lat = !strcmp(mode, "rb-latency");
    if (lat) { st.latency_cap = expected; st.latencies = calloc(expected, sizeof(uint64_t)); }
    struct ring_buffer *rb = ring_buffer__new(map, lat ? rb_latency_cb : rb_stream_cb, NULL, NULL);
    if (!rb) { perror("ring_buffer__new"); return 1; }
    ready();
    stream(rb_poll, rb, expected, lat ? 2000 : atoi(argv[4]));
    if (lat) print_latency();
    else printf("{\"count\":%llu,\"ns\":%llu,\"order_errors\":%llu}\n", (unsigned long long)st.count, (unsigned long long)(st.last_ns - st.first_ns), (unsigned long long)st.order_errors);
    ring_buffer__free(rb);
  } else if (!strcmp(mode, "pb-drain")) {
    struct perf_buffer *pb = perf_buffer__new(map, atoi(argv[4]), pb_cb, pb_lost_cb, NULL, NULL);
    if (!pb) { perror("perf_buffer__new"); return 1; }
    ready();
    wait_go();
    uint64_t t0 = now_ns();
    perf_buffer__consume(pb);
    uint64_t t1 = now_ns();
    printf("{\"count\":%llu,\"ns\":%llu,\"order_errors\":%llu,\"lost\":%llu}\n", (unsigned long long)st.count, (unsigned long long)(t1 - t0), (unsigned long long)st.order_errors, (unsigned long long)st.lost);
    perf_buffer__free(pb);
  } else if (!strcmp(mode, "pb-stream") || !strcmp(mode, "pb-latency")) {
    int lat = !strcmp(mode, "pb-latency");
    if (lat) { st.latency_cap = expected; st.latencies = calloc(expected, sizeof(uint64_t)); }
    struct perf_buffer *pb = perf_buffer__new(map, atoi(argv[lat ? 4 : 5]), lat ? pb_latency_cb : pb_stream_cb, pb_lost_cb, NULL, NULL);
    if (!pb) { perror("perf_buffer__new"); return 1; }
    ready();
    stream(pb_poll, pb, expected, lat ? 2000 : atoi(argv[4]));
    if (lat) print_latency();
    else printf("{\"count\":%llu,\"ns\":%llu,\"order_errors\":%llu,\"lost\":%llu}\n", (unsigned long long)st.count, (unsigned long long)(st.last_ns - st.first_ns), (unsigned long long)st.order_errors, (unsigned long long)st.lost);
    perf_buffer__free(pb);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}
