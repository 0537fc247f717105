/* An open-loop, constant-rate HTTP/1.1 load client (wrk2's idea, small and in C).
 *
 * Request i is due at start + i / rate, whatever the server did with the ones before
 * it; its latency counts from that due moment, not from when a connection was free to
 * send it, so a stalled server cannot hide its queue (no coordinated omission). Due
 * requests wait in a FIFO for an idle keep-alive connection; the FIFO wait is part of
 * the latency. A due request takes the next idle connection after the one used last, in
 * turn, so every connection carries about rate / CONNECTIONS requests/s (wrk2 gives each
 * connection that share of the rate, like as many independent clients): a server that
 * spreads connections over workers then gets requests spread the same way. With
 * PACED_PICK=first in the environment it takes the lowest-numbered idle connection
 * instead, much as a pool that reuses its most recently freed connection does: below
 * saturation a few connections then carry nearly everything. One thread, epoll, a few
 * microseconds of CPU per request, so the client takes next to nothing from the cores it
 * shares with the service.
 *
 * Build: cc -O2 -o paced bench/paced.c -lm   (bench/api.py builds it when cc is there)
 * Run:   paced HOST PORT RATE SECONDS CONNECTIONS PATH TOKEN ID...
 *        PATH holds "{id}", replaced round robin by the IDs; TOKEN is sent as a bearer.
 * Prints one JSON line: sent, answered, non-2xx, errors, the p50/p90/p99/p99.9/max
 * latency in ms, the rate asked and the rate achieved.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

typedef struct {
    int fd;
    int busy;           /* a request is out on it */
    long req;           /* which request */
    size_t have;        /* bytes of the answer read */
    long need;          /* header + body length once the header is in, else -1 */
    char *buf;
} conn_t;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in addr;
static int ep;

static int open_conn(conn_t *c) {
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("connect");
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->busy = 0;
    c->have = 0;
    c->need = -1;
    return 0;
}

/* The whole answer's length once its header is in (Content-Length only: uvicorn sends it
 * for every response this benchmark asks for), else -1; status goes to *status. */
static long answer_length(const char *b, size_t n, int *status) {
    const char *end = memmem(b, n, "\r\n\r\n", 4);
    if (!end) return -1;
    *status = atoi(b + 9); /* "HTTP/1.1 200" */
    long length = 0;
    for (const char *p = b; p < end; p++) {
        if ((p == b || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
            length = atol(p + 15);
            break;
        }
    }
    return (end - b) + 4 + length;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, long n, double p) {
    if (n == 0) return 0;
    long i = (long)(p / 100.0 * (n - 1) + 0.5);
    return sorted[i];
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: %s HOST PORT RATE SECONDS CONNECTIONS PATH TOKEN ID...\n",
                argv[0]);
        return 2;
    }
    double rate = atof(argv[3]), seconds = atof(argv[4]);
    int nconn = atoi(argv[5]);
    const char *path = argv[6], *token = argv[7];
    int nids = argc - 8;
    long total = (long)(rate * seconds);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &addr.sin_addr);

    /* one request text per id */
    char **reqs = calloc(nids, sizeof *reqs);
    size_t *lens = calloc(nids, sizeof *lens);
    const char *mark = strstr(path, "{id}");
    for (int i = 0; i < nids; i++) {
        char p[1024];
        if (mark)
            snprintf(p, sizeof p, "%.*s%s%s", (int)(mark - path), path, argv[8 + i], mark + 4);
        else
            snprintf(p, sizeof p, "%s", path);
        lens[i] = asprintf(&reqs[i],
                           "GET %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n\r\n",
                           p, argv[1], argv[2], token);
    }

    ep = epoll_create1(0);
    conn_t *conns = calloc(nconn, sizeof *conns);
    for (int i = 0; i < nconn; i++) {
        conns[i].buf = malloc(BUF);
        if (open_conn(&conns[i]) != 0) return 1;
    }
    double *due = calloc(total > 0 ? total : 1, sizeof *due);
    double *lat = calloc(total > 0 ? total : 1, sizeof *lat);
    long *fifo = calloc(total > 0 ? total : 1, sizeof *fifo);
    long head = 0, tail = 0, scheduled = 0, answered = 0, bad = 0, errors = 0, nlat = 0;
    double start = now_s() + 0.01;
    for (long i = 0; i < total; i++) due[i] = start + i / rate;
    double give_up = start + seconds + 30.0; /* answers still out then count as errors */

    const char *pick = getenv("PACED_PICK");
    int in_turn = !(pick && strcmp(pick, "first") == 0);
    int next = 0; /* where the search for an idle connection starts */
    while (answered + errors < total) {
        double t = now_s();
        if (t > give_up) break;
        while (scheduled < total && due[scheduled] <= t) fifo[tail++] = scheduled++;
        for (int k = 0; k < nconn && head < tail; k++) {
            int i = in_turn ? (next + k) % nconn : k;
            conn_t *c = &conns[i];
            if (c->busy) continue;
            long r = fifo[head++];
            const char *q = reqs[r % nids];
            size_t n = lens[r % nids], off = 0;
            while (off < n) {
                ssize_t w = write(c->fd, q + off, n - off);
                if (w <= 0) break;
                off += w;
            }
            if (off < n) { /* the server closed it: reopen, send again */
                close(c->fd);
                if (open_conn(c) != 0) return 1;
                head--;
                k--;
                continue;
            }
            if (in_turn) {
                next = (i + 1) % nconn;
                k = -1; /* search again from the new start */
            }
            c->busy = 1;
            c->req = r;
            c->have = 0;
            c->need = -1;
        }
        int timeout_ms = 50;
        if (scheduled < total) {
            double wait = due[scheduled] - now_s();
            timeout_ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
            if (timeout_ms > 50) timeout_ms = 50;
        }
        struct epoll_event evs[256];
        int k = epoll_wait(ep, evs, 256, timeout_ms);
        for (int e = 0; e < k; e++) {
            conn_t *c = evs[e].data.ptr;
            ssize_t got = read(c->fd, c->buf + c->have, BUF - c->have);
            if (got <= 0) { /* closed: an answer cut short is an error */
                if (c->busy) {
                    errors++;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                if (open_conn(c) != 0) return 1;
                continue;
            }
            c->have += got;
            int status = 0;
            if (c->need < 0) c->need = answer_length(c->buf, c->have, &status);
            if (c->need >= 0 && (long)c->have >= c->need) {
                if (status == 0) answer_length(c->buf, c->have, &status);
                lat[nlat++] = (now_s() - due[c->req]) * 1000.0;
                answered++;
                if (status < 200 || status > 299) bad++;
                c->busy = 0;
                c->have = 0;
                c->need = -1;
            }
        }
    }
    double elapsed = now_s() - start;
    errors = total - answered; /* cut short, or still out at the give-up moment */
    qsort(lat, nlat, sizeof *lat, cmp);
    printf("{\"sent\": %ld, \"answered\": %ld, \"non_2xx\": %ld, \"errors\": %ld, "
           "\"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"p999_ms\": %.2f, "
           "\"max_ms\": %.2f, \"rate_asked\": %.1f, \"rate_achieved\": %.1f}\n",
           scheduled, answered, bad, errors, pct(lat, nlat, 50), pct(lat, nlat, 90),
           pct(lat, nlat, 99), pct(lat, nlat, 99.9), nlat ? lat[nlat - 1] : 0.0, rate,
           answered / elapsed);
    return 0;
}
