# image/apt.sh: the one private apt configuration of the image's Debian release.
# shellcheck shell=bash
# Sourced (not run) by image/debs.sh, image/srcpkg.sh and image/buildroot/buildroot.sh.
#
#   lethe_suite            the Debian release the image and the build root come from
#   apt_setup [update]     write the configuration in $LETHE_CACHE/apt/$lethe_suite and,
#                          with "update" or when the index is missing, download the
#                          archive's signed index; sets the array apt_opts
#   apt_update             download the index again (a locked version the old index
#                          does not name, or make update-lock); sets apt_fresh=1
#   apt_retry_update       apt_update, unless this run already did (returns 1 then):
#                          the retry after a download that failed
#
# The host stays Debian 12: its own apt sources name bookworm, so nothing here
# touches /etc/apt or the host's dpkg database.  Mirrors are taken from the
# host's configuration (the same mirror, another suite) or deb.debian.org; apt
# checks the index against the Debian archive keyring, and every file fetched
# through it is then checked against a lock in this tree.
# Exit code on failure: 111 (the archive cannot be reached or refuses).

lethe_suite=trixie
apt_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# "URI SUITE" for every enabled deb entry of the host's apt configuration,
# one-line (.list) and deb822 (.sources) formats.
apt_host_mirrors() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if (i + 1 <= NF) print $i, $(i + 1)
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			function flush(   n, m, i, j, u, s) {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
					n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
					for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (u[i] != "" && s[j] != "") print u[i], s[j]
				}
				types = uris = suites = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }
			{
				k = tolower($0); sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
				if (k == "types") types = v; else if (k == "uris") uris = v
				else if (k == "suites") suites = v; else if (k == "enabled") enabled = tolower(v)
			}
			END { flush() }' "$f"
	done
}

# The main and security mirrors, "MAIN SECURITY": the host's own if it has
# http(s) ones (whatever suite they are configured for), else deb.debian.org.
apt_mirrors() {
	local main sec
	main=$(apt_host_mirrors | awk '$2 !~ /-security$/ && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print $1; exit }')
	sec=$(apt_host_mirrors | awk '$2 ~ /-security$/ && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print $1; exit }')
	echo "${main:-http://deb.debian.org/debian} ${sec:-http://deb.debian.org/debian-security}"
}

apt_update() {
	local rc=0
	echo "apt: updating the $lethe_suite index in $apt_dir" >&2
	# One update at a time per cache (two checkouts may build at once).
	(
		flock 9
		apt-get "${apt_opts[@]}" -q update > "$apt_dir/update.log" 2>&1
	) 9> "$apt_dir/update.lock" || rc=$?
	if [ "$rc" -ne 0 ]; then
		grep -E '^(E|W):' "$apt_dir/update.log" | sed 's/^/  apt: /' >&2 || true
		echo "apt: fatal: unable to update the $lethe_suite index (log: $apt_dir/update.log)" >&2
		exit 111
	fi
	date -u +%s > "$apt_dir/updated"
	apt_fresh=1
}

apt_retry_update() {
	[ -z "${apt_fresh:-}" ] || return 1
	apt_update
}

apt_setup() {
	local main sec
	apt_dir=${LETHE_CACHE:?LETHE_CACHE is not set}/apt/$lethe_suite
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	read -r main sec <<< "$(apt_mirrors)"
	{
		echo "# written by image/apt.sh: Debian $lethe_suite for the lethe image and build root"
		for t in deb deb-src; do
			echo "$t [signed-by=$apt_keyring] $main $lethe_suite main"
			echo "$t [signed-by=$apt_keyring] $main $lethe_suite-updates main"
			echo "$t [signed-by=$apt_keyring] $sec $lethe_suite-security main"
		done
	} > "$apt_dir/sources.list.tmp"
	cmp -s "$apt_dir/sources.list.tmp" "$apt_dir/sources.list" 2> /dev/null &&
		rm -f "$apt_dir/sources.list.tmp" || mv -f "$apt_dir/sources.list.tmp" "$apt_dir/sources.list"
	# An empty dpkg database: candidates and dependencies are the archive's,
	# whatever the host has installed.
	[ -e "$apt_dir/status" ] || : > "$apt_dir/status"
	apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::Etc::Preferences=/dev/null" -o Dir::Etc::PreferencesParts=/dev/null
		-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
		-o "Dir::State::status=$apt_dir/status" -o APT::Architecture=amd64
		-o APT::Architectures::=amd64 -o Acquire::Languages=none)
	# apt's download sandbox user cannot enter a root-owned cache; the hashes
	# are checked against the locks anyway.
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	if [ "${1:-}" = update ] || [ ! -e "$apt_dir/updated" ]; then
		apt_update
	fi
}
