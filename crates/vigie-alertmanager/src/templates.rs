//! Loading the configuration's `templates:` files: each entry is a glob,
//! relative to the configuration file's directory (or to the working
//! directory when the configuration was given as text), matched files are
//! parsed in order over Alertmanager's default templates. A glob that
//! matches nothing is not an error (as in Alertmanager); a file that does
//! not parse is, naming the file, line and column.

use std::path::{Path, PathBuf};

use vigie_alert::template::Templates;

/// Largest template file read.
const MAX_TEMPLATE_FILE_BYTES: u64 = 4 << 20;

/// The default templates with the files of `patterns` added.
pub fn load_templates(patterns: &[String], base_dir: Option<&Path>) -> Result<Templates, String> {
    let mut templates = Templates::with_defaults();
    for pattern in patterns {
        let full: PathBuf = match base_dir {
            Some(dir) if Path::new(pattern).is_relative() => dir.join(pattern),
            _ => PathBuf::from(pattern),
        };
        let text = full.to_string_lossy().into_owned();
        let paths =
            glob::glob(&text).map_err(|e| format!("templates: bad pattern {pattern:?}: {e}"))?;
        let mut files: Vec<PathBuf> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if size > MAX_TEMPLATE_FILE_BYTES {
                return Err(format!(
                    "template {}: larger than {MAX_TEMPLATE_FILE_BYTES} bytes",
                    file.display()
                ));
            }
            let content = std::fs::read_to_string(&file)
                .map_err(|e| format!("read template {}: {e}", file.display()))?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            templates
                .add_file(&name, &content)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(templates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_relative_to_the_config_directory_and_may_match_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("t")).unwrap();
        std::fs::write(
            dir.path().join("t/a.tmpl"),
            r#"{{ define "mine" }}A{{ end }}"#,
        )
        .unwrap();
        let t =
            load_templates(&["t/*.tmpl".into(), "none/*.tmpl".into()], Some(dir.path())).unwrap();
        assert!(t.has("mine"));
        assert!(t.has("slack.default.title"));
    }

    #[test]
    fn a_bad_template_file_is_named_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.tmpl"),
            "\n{{ define \"x\" }}{{ .A | nope }}{{ end }}",
        )
        .unwrap();
        let e = load_templates(&["*.tmpl".into()], Some(dir.path())).unwrap_err();
        assert!(e.starts_with("template: bad.tmpl:2:"), "{e}");
        assert!(e.contains("function \"nope\" not defined"), "{e}");
    }
}
