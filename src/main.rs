/// mimalloc rather than glibc's malloc: the search index stage allocates heavily on parallel
/// threads, where glibc's arenas contend (measured in book/src/search.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    opsbook::commands::run()
}
