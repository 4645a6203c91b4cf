// SPDX-License-Identifier: GPL-2.0
/*
 * tree-hash: the "source" part of klp-build's build key, without a pipeline.
 *
 *   tree-hash DIR          the SHA-256 (hex) of the sorted lines
 *                          "PATH SIZE MTIME\n" of every regular file under DIR
 *   tree-hash --list DIR   the sorted lines themselves
 *
 * The output is byte for byte that of
 *
 *   find DIR -type f -printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum
 *
 * (PATH relative to DIR, symlinks neither followed nor listed, MTIME as GNU
 * find's %T@: seconds, a dot, nine digits of nanoseconds and a 0), so the
 * build keys of existing build dirs stay valid.  One process instead of
 * three, one stat per file: a fifth of the time of the pipeline on a full
 * kernel tree.  What find and sort would print differently (a name with a
 * newline, a time before 1970) is not hashed: tree-hash exits with status 3
 * and the driver falls back to the pipeline.  Exit status 1: DIR or one of
 * its directories cannot be read (find would have listed a partial tree).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "tree-hash";

/* ------------------------------------------------------------ SHA-256 */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->n = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	if (s->n) {
		size_t k = 64 - s->n < len ? 64 - s->n : len;
		memcpy(s->buf + s->n, p, k);
		s->n += k; p += k; len -= k;
		if (s->n < 64)
			return;
		sha256_block(s, s->buf);
		s->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->n = len;
}

static void sha256_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08" PRIx32, s->h[i]);
}

/* ------------------------------------------------------------ the walk */
static char **lines;
static size_t nlines, cap;

static void add_line(const char *path, const struct stat *st)
{
	char *l;

	if (st->st_mtim.tv_sec < 0) {
		fprintf(stderr, "%s: %s: modification time before 1970, not hashed\n", prog, path);
		exit(3);
	}
	if (asprintf(&l, "%s %jd %jd.%09ld0", path, (intmax_t)st->st_size,
		     (intmax_t)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec) < 0) {
		perror(prog);
		exit(1);
	}
	if (nlines == cap) {
		cap = cap ? 2 * cap : 65536;
		lines = realloc(lines, cap * sizeof(*lines));
		if (!lines) {
			perror(prog);
			exit(1);
		}
	}
	lines[nlines++] = l;
}

/* walk the directory open as FD, whose path relative to the top is REL */
static void walk(int fd, const char *rel)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, *rel ? rel : ".", strerror(errno));
		exit(1);
	}
	for (;;) {
		struct stat st;
		char *path;
		int sub;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno) {
				fprintf(stderr, "%s: %s: %s\n", prog, *rel ? rel : ".", strerror(errno));
				exit(1);
			}
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strchr(e->d_name, '\n')) {
			fprintf(stderr, "%s: %s/%s: a name with a newline, not hashed\n", prog, rel, e->d_name);
			exit(3);
		}
		if (e->d_type != DT_REG && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0) {
			perror(prog);
			exit(1);
		}
		if (e->d_type == DT_DIR) {
			sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
				exit(1);
			}
			walk(sub, path);
			free(path);
			continue;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			exit(1);
		}
		if (S_ISREG(st.st_mode)) {
			add_line(path, &st);
		} else if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
				exit(1);
			}
			walk(sub, path);
		}
		free(path);
	}
	closedir(d);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int list = 0, fd;
	struct sha256 s;
	char hex[65];
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--list"))
		list = 1;
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [--list] DIR\n", prog);
		return 2;
	}
	fd = open(argv[list + 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[list + 1], strerror(errno));
		return 1;
	}
	walk(fd, "");
	qsort(lines, nlines, sizeof(*lines), cmp_line);
	if (list) {
		for (i = 0; i < nlines; i++)
			printf("%s\n", lines[i]);
		return fflush(stdout) ? 1 : 0;
	}
	sha256_init(&s);
	for (i = 0; i < nlines; i++) {
		sha256_update(&s, lines[i], strlen(lines[i]));
		sha256_update(&s, "\n", 1);
	}
	sha256_hex(&s, hex);
	printf("%s\n", hex);
	return fflush(stdout) ? 1 : 0;
}
