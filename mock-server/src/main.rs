fn main() {
    eprintln!("mock-apiserver: not built yet");
    std::process::exit(2);
}
