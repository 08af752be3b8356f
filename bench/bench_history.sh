#!/usr/bin/env bash
# History store benchmark: builds bench/bench_history.c against a Release
# build of the library, runs it on a fresh SQLite file and on a PostgreSQL
# server started here (initdb + pg_ctl in a temp dir on a free loopback port,
# default durability settings), then stops the server by PID.
#
#   bench/bench_history.sh [N]        (N findings per run, default 100000)
set -euo pipefail
N="${1:-100000}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${DM_BENCH_BUILD:-$SRC/build-bench}"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDM_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target driftmap_static >/dev/null
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$SRC/include" \
	"$SRC/bench/bench_history.c" "$BUILD/libdriftmap.a" \
	$(pkg-config --libs libgit2 jansson libcurl libxml-2.0 libcgraph libgvc openssl zlib sqlite3 libpq yaml-0.1) \
	-lm -ldl -lpthread -o "$BUILD/bench_history"

TMP="$(mktemp -d)"
PGPID=""
cleanup() {
	if [ -n "$PGBIN" ] && [ -d "$TMP/data" ]; then
		$RUNAS "$PGBIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ -n "$PGPID" ] && kill -0 "$PGPID" 2>/dev/null; then kill -9 "$PGPID" || true; fi
	rm -rf "$TMP"
}
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
RUNAS=""
trap cleanup EXIT

echo "== SQLite"
"$BUILD/bench_history" "sqlite:$TMP/history.db" "$N"
echo "   file size: $(stat -c %s "$TMP/history.db") B (+ WAL $(stat -c %s "$TMP/history.db-wal" 2>/dev/null || echo 0) B)"

if [ -z "$PGBIN" ]; then
	echo "== PostgreSQL: server binaries not found (apt-get install postgresql); skipped"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then RUNAS="runuser -u postgres --"; chmod 755 "$TMP"; chown postgres "$TMP"; fi
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
$RUNAS "$PGBIN/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
$RUNAS "$PGBIN/pg_ctl" -D "$TMP/data" -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1" \
	-l "$TMP/server.log" -w start >/dev/null
PGPID="$(head -1 "$TMP/data/postmaster.pid")"
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') (127.0.0.1:$PORT, fsync on)"
"$BUILD/bench_history" "postgres://postgres@127.0.0.1:$PORT/postgres" "$N"
