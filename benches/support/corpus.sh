# Sourced by the benchmark scripts: the generated corpus, cached.
#
#   bench_corpus GEN_CORPUS CACHE N SEED [LAYOUT]
#
# Prints the folder of N documents of seed SEED in LAYOUT (opsbook by default), generating it
# with the GEN_CORPUS binary under CACHE the first time. The folder name carries a hash of the
# generator, so a changed generator makes a new corpus; `.complete` marks a finished one, so an
# interrupted generation is redone. Run from the repository root.
bench_corpus() {
    local gen=$1 cache=$2 n=$3 seed=$4 layout=${5:-opsbook} version dir
    version=$(sha256sum benches/support/corpus.rs | cut -c1-12)
    if [ "$layout" = opsbook ]; then
        dir="$cache/corpus-n$n-seed$seed-$version"
    else
        dir="$cache/corpus-$layout-n$n-seed$seed-$version"
    fi
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        "$gen" "$dir" "$n" --seed "$seed" --layout "$layout" >&2
        touch "$dir/.complete"
    fi
    echo "$dir"
}
