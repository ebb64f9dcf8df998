//! kubeconfig: load, merge, select, edit and write, with kubectl's rules.
