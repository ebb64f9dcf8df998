fn main() {
    eprintln!("rawkube: the command line is not built yet");
    std::process::exit(2);
}
