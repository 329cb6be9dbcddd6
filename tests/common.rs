use std::path::PathBuf;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference documents: `$ASSAY_DOCS`, or `../shared/docs` beside the project.
/// Tests that need them fail loudly when they are missing; they never pass silently.
pub fn docs() -> PathBuf {
    let dir = std::env::var_os("ASSAY_DOCS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/docs"));
    assert!(
        dir.join("bip.txt").is_file(),
        "the reference documents are not at {}: set ASSAY_DOCS to the folder holding bip.txt, gentar.txt, …",
        dir.display()
    );
    dir
}

/// Names of the committed specs (`specs/NAME.yaml`).
pub fn spec_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("specs"))
        .expect("specs/ exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "yaml" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

pub fn spec_path(name: &str) -> PathBuf {
    root().join("specs").join(format!("{name}.yaml"))
}

pub fn overlay_path(name: &str) -> PathBuf {
    root().join("specs/overlay").join(format!("{name}.yaml"))
}

/// A fresh empty folder under the target directory, removed at the next run.
pub fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "t{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
