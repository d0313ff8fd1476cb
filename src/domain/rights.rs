//! What an employer user may do for its sponsor, besides reading its cases. Modelled on the
//! UK sponsor system, where a sponsor has several users at different levels: here `file`
//! (file batches, add projects, upload documents) and `manage` (invite colleagues, disable
//! and re-enable them, answer subcontractors' requests). A sponsor always keeps at least one
//! enabled manager (`service::colleagues`).

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// One right, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SponsorRight {
    File,
    Manage,
}

impl SponsorRight {
    pub fn as_str(self) -> &'static str {
        match self {
            SponsorRight::File => "file",
            SponsorRight::Manage => "manage",
        }
    }
}

/// The rights one employer user holds (none for desk staff).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    pub file: bool,
    pub manage: bool,
}

impl Rights {
    /// A sponsor's first user, and employer users created by an administrator.
    pub const FULL: Rights = Rights {
        file: true,
        manage: true,
    };

    pub fn from_list(list: &[SponsorRight]) -> Rights {
        Rights {
            file: list.contains(&SponsorRight::File),
            manage: list.contains(&SponsorRight::Manage),
        }
    }

    pub fn list(self) -> Vec<SponsorRight> {
        let mut out = Vec::new();
        if self.file {
            out.push(SponsorRight::File);
        }
        if self.manage {
            out.push(SponsorRight::Manage);
        }
        out
    }

    /// The stored form: `file,manage`, `file`, `manage` or empty.
    pub fn to_stored(self) -> String {
        self.list()
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form; an unknown word is an error (the column is written only here).
    pub fn from_stored(stored: &str) -> Result<Rights, InvalidValue> {
        let mut rights = Rights::default();
        for word in stored.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "file" => rights.file = true,
                "manage" => rights.manage = true,
                other => {
                    return Err(InvalidValue::new(format!("unknown right {other:?}")));
                }
            }
        }
        Ok(rights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_stored_form() {
        for rights in [
            Rights::default(),
            Rights::FULL,
            Rights {
                file: true,
                manage: false,
            },
            Rights {
                file: false,
                manage: true,
            },
        ] {
            assert_eq!(Rights::from_stored(&rights.to_stored()), Ok(rights));
            assert_eq!(Rights::from_list(&rights.list()), rights);
        }
        assert_eq!(Rights::FULL.to_stored(), "file,manage");
        assert!(Rights::from_stored("file,root").is_err());
    }
}
