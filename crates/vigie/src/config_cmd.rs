//! `vigie config check|show`.

use std::process::ExitCode;

use crate::cli::ConfigCommand;
use crate::serve::load_config;

pub fn run(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Check { file } => Ok(match load_config(Some(&file)) {
            Ok(_) => {
                println!("{}: OK", file.display());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        }),
        ConfigCommand::Show { file } => Ok(match load_config(file.as_deref()) {
            Ok(config) => {
                print!("{}", config.to_yaml_redacted());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        }),
    }
}
