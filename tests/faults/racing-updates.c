/* Two documents written at once to one cgroup, by two threads, ROUNDS times: document A to
 * TARGET_A and document B to TARGET_B (the cgroup's resources.json in two mounts: the kernel
 * serialises the writes to one FUSE file, not to two). After both writes return, the cgroup's
 * kernel files must hold one document or the other, never a mixture (the library serialises the
 * plans of a cgroup, across processes).
 *
 * usage: racing-updates TARGET_A TARGET_B ROUNDS DOC_A DOC_B KERNEL_FILE...
 *   The kernel files are read (each file's lines sorted) after the documents are written one at
 *   a time, to know each document's state, then after each round.
 * Prints "rounds R A a B b mixed m failed f" and exits 1 on a mixture or a failed write.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **files;
static int n_files;
static pthread_barrier_t start;

/* One open/write/close, as `printf > file` does; 0 or the errno. */
static int write_doc(const char *target, const char *doc)
{
  int fd = open(target, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return errno;
  size_t len = strlen(doc);
  ssize_t n = write(fd, doc, len);
  int e = n == (ssize_t)len ? 0 : (n < 0 ? errno : EIO);
  if (close(fd) != 0 && !e)
    e = errno;
  return e;
}

static int by_string(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The content of @path with its lines sorted, appended to @out. */
static void append_sorted(const char *path, char *out, size_t room)
{
  char buf[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0)
    close(fd);
  if (n < 0) {
    fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
    exit(2);
  }
  buf[n] = '\0';
  char *lines[512];
  int count = 0;
  for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && count < 512;
       l = strtok_r(NULL, "\n", &save))
    lines[count++] = l;
  qsort(lines, (size_t)count, sizeof lines[0], by_string);
  strncat(out, path, room - strlen(out) - 1);
  strncat(out, ":", room - strlen(out) - 1);
  for (int i = 0; i < count; i++) {
    strncat(out, " ", room - strlen(out) - 1);
    strncat(out, lines[i], room - strlen(out) - 1);
  }
  strncat(out, "\n", room - strlen(out) - 1);
}

static char *kernel_state(void)
{
  size_t room = 65536;
  char *s = calloc(1, room);
  for (int i = 0; i < n_files; i++)
    append_sorted(files[i], s, room);
  return s;
}

typedef struct {
  const char *target;
  const char *doc;
  int error;
} Writer;

static void *writer(void *data)
{
  Writer *w = data;
  pthread_barrier_wait(&start);
  w->error = write_doc(w->target, w->doc);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 7) {
    fprintf(stderr, "usage: racing-updates TARGET_A TARGET_B ROUNDS DOC_A DOC_B KERNEL_FILE...\n");
    return 2;
  }
  const char *target_a = argv[1], *target_b = argv[2], *doc_a = argv[4], *doc_b = argv[5];
  long rounds = strtol(argv[3], NULL, 10);
  files = argv + 6;
  n_files = argc - 6;
  if (write_doc(target_a, doc_a) != 0 || write_doc(target_b, doc_b) != 0) {
    fprintf(stderr, "cannot write the documents one at a time\n");
    return 2;
  }
  char *state_b = kernel_state();
  write_doc(target_a, doc_a);
  char *state_a = kernel_state();
  if (strcmp(state_a, state_b) == 0) {
    fprintf(stderr, "documents A and B give the same kernel files\n");
    return 2;
  }
  long a = 0, b = 0, mixed = 0, failed = 0;
  for (long r = 0; r < rounds; r++) {
    pthread_barrier_init(&start, NULL, 2);
    Writer w[2] = { { target_a, doc_a, 0 }, { target_b, doc_b, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
      pthread_create(&t[i], NULL, writer, &w[i]);
    for (int i = 0; i < 2; i++)
      pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < 2; i++)
      if (w[i].error) {
        failed++;
        fprintf(stderr, "round %ld: writing document %c: %s\n", r, "AB"[i],
                strerror(w[i].error));
      }
    char *now = kernel_state();
    if (strcmp(now, state_a) == 0)
      a++;
    else if (strcmp(now, state_b) == 0)
      b++;
    else {
      mixed++;
      if (mixed <= 3)
        fprintf(stderr, "round %ld: a mixture:\n%sA:\n%sB:\n%s", r, now, state_a, state_b);
    }
    free(now);
  }
  printf("rounds %ld A %ld B %ld mixed %ld failed %ld\n", rounds, a, b, mixed, failed);
  free(state_a);
  free(state_b);
  return mixed || failed ? 1 : 0;
}
