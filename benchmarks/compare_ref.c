/* The C reference for compare.sh: glibc's memmem/memchr/memcpy over the same mappings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static clockid_t clock_id = CLOCK_MONOTONIC; /* COMPARE_CLOCK=cpu: the process's CPU time */

static double now(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define RUNS 5
#define REPORT(name, unit, scale, body)                        \
  do {                                                         \
    double r[RUNS];                                            \
    for (int i = 0; i < RUNS; i++) {                           \
      double t0 = now();                                       \
      double amount = (body);                                  \
      r[i] = amount / (now() - t0);                            \
    }                                                          \
    qsort(r, RUNS, sizeof r[0], cmp);                          \
    printf("%s %.3f %s\n", name, r[RUNS / 2] / (scale), unit); \
  } while (0)

static unsigned char *map(const char *path, size_t *size, int writable) {
  int fd = open(path, writable ? O_RDWR : O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) { perror(path); exit(1); }
  *size = st.st_size;
  void *p = mmap(NULL, *size, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(1); }
  close(fd);
  return p;
}

static const char RARE[] = "NEEDLE-7f3a9c2e1", COMMON[] = "INFO", EARLY[] = "EARLY-MARK-0042!";

static double find_rare(unsigned char *m, size_t n) {
  unsigned char *p = memmem(m, n, RARE, 16);
  return p ? (double)(p - m) + 16 : 0;
}

static double count_common(unsigned char *m, size_t n) {
  size_t pos = 0, count = 0;
  unsigned char *p;
  while ((p = memmem(m + pos, n - pos, COMMON, 4)) != NULL) { count++; pos = p - m + 1; }
  return count ? (double)n : 0;
}

/* non-overlapping, as bytes.count and jmmap's count(): the next search starts past the match */
static double count_nonoverlapping(unsigned char *m, size_t n) {
  size_t pos = 0, count = 0;
  unsigned char *p;
  while ((p = memmem(m + pos, n - pos, COMMON, 4)) != NULL) { count++; pos = p - m + 4; }
  return count ? (double)n : 0;
}

static double rfind_early(unsigned char *m, size_t n) {
  /* glibc has no memrmem: walk back with memrchr on the needle's last byte, then compare */
  size_t end = n;
  while (end >= 16) {
    unsigned char *p = memrchr(m + 15, EARLY[15], end - 15);
    if (!p) return 0;
    if (memcmp(p - 15, EARLY, 16) == 0) return (double)(n - (p - 15 - m));
    end = p - m;
  }
  return 0;
}

static double readlines(unsigned char *m, size_t n) {
  static unsigned char line[1 << 16];
  size_t pos = 0;
  while (pos < n) {
    unsigned char *nl = memchr(m + pos, '\n', n - pos);
    size_t end = nl ? (size_t)(nl - m) + 1 : n;
    memcpy(line, m + pos, end - pos > sizeof line ? sizeof line : end - pos);
    pos = end;
  }
  return (double)n + line[0] * 0;
}

/* the line ends only, as readLineSegment finds them: no copy */
static double lineends(unsigned char *m, size_t n) {
  size_t pos = 0, lines = 0;
  while (pos < n) {
    unsigned char *nl = memchr(m + pos, '\n', n - pos);
    pos = nl ? (size_t)(nl - m) + 1 : n;
    lines++;
  }
  return lines ? (double)n : 0;
}

static double read64k(unsigned char *m, size_t n) {
  static unsigned char buf[65536];
  for (size_t pos = 0; pos < n; pos += 65536) {
    memcpy(buf, m + pos, n - pos < 65536 ? n - pos : 65536);
  }
  return (double)n + buf[0] * 0;
}

static double random_rw(unsigned char *m, size_t n, long ops) {
  uint64_t x = 7, sum = 0, words = n / 8;
  for (long i = 0; i < ops; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    uint64_t *w = (uint64_t *)(m + (x % words) * 8);
    sum += *w;
    *w = sum;
  }
  msync(m, n, MS_SYNC);
  return 2.0 * ops;
}

int main(int argc, char **argv) {
  size_t tn, bn;
  const char *clock = getenv("COMPARE_CLOCK");
  if (clock && strcmp(clock, "cpu") == 0) clock_id = CLOCK_PROCESS_CPUTIME_ID;
  unsigned char *t = map(argv[1], &tn, 0);
  if (argc > 4 && strcmp(argv[4], "streams") == 0) {
    /* the peers of the whole-map streams only */
    REPORT("line_segments_seq", "GB/s", 1e9, lineends(t, tn));
    REPORT("count_seq", "GB/s", 1e9, count_nonoverlapping(t, tn));
    return 0;
  }
  unsigned char *b = map(argv[2], &bn, 1);
  long ops = atol(argv[3]);
  REPORT("find_rare", "GB/s", 1e9, find_rare(t, tn));
  REPORT("find_common_count", "GB/s", 1e9, count_common(t, tn));
  REPORT("rfind_early", "GB/s", 1e9, rfind_early(t, tn));
  REPORT("readline", "GB/s", 1e9, readlines(t, tn));
  REPORT("readline_segment", "GB/s", 1e9, lineends(t, tn));
  REPORT("read_64k", "GB/s", 1e9, read64k(t, tn));
  REPORT("read_into_64k", "GB/s", 1e9, read64k(t, tn));
  REPORT("random_rw", "Mops/s", 1e6, random_rw(b, bn, ops));
  return 0;
}
