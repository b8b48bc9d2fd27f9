// A floor for bench/large-release: reads every file named on standard input (NUL-separated, as `find -print0`
// writes them) on every core, and throws the bytes away. The same-version check of generate-appups must read both
// releases whole; this is the least that reading can cost here, with nothing parsed or compared. No standard tool
// reads many files on several cores without starting a process per batch (`xargs -P cat` mostly times those), so
// it is a few lines of C, compiled by the benchmark.
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **names;
static size_t count;
static atomic_size_t next;
static atomic_size_t total;

static void *reader(void *unused) {
    (void)unused;
    char *buffer = malloc(1 << 20);
    size_t bytes = 0;
    for (size_t i; (i = atomic_fetch_add(&next, 1)) < count;) {
        int fd = open(names[i], O_RDONLY);
        if (fd < 0) { perror(names[i]); exit(1); }
        for (ssize_t n; (n = read(fd, buffer, 1 << 20)) > 0;) bytes += (size_t)n;
        close(fd);
    }
    atomic_fetch_add(&total, bytes);
    free(buffer);
    return NULL;
}

int main(void) {
    size_t capacity = 1 << 20, length = 0;
    char *list = malloc(capacity);
    for (size_t n; (n = fread(list + length, 1, capacity - length, stdin)) > 0;) {
        length += n;
        if (length == capacity) list = realloc(list, capacity *= 2);
    }
    names = malloc(sizeof(char *) * (length / 2 + 1));
    for (size_t i = 0; i < length; i += strlen(list + i) + 1) names[count++] = list + i;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    pthread_t threads[256];
    if (cores < 1) cores = 1;
    if (cores > 256) cores = 256;
    for (long t = 0; t < cores; t++) pthread_create(&threads[t], NULL, reader, NULL);
    for (long t = 0; t < cores; t++) pthread_join(threads[t], NULL);
    printf("%zu files, %zu bytes\n", count, (size_t)atomic_load(&total));
    return 0;
}
