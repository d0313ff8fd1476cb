//! The visa routes every case is evaluated against, with the legal basis that an approval's
//! annotation cites.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum VisaRoute {
    #[serde(rename = "B1-CIW")]
    B1Ciw,
    #[serde(rename = "B1-BUS")]
    B1Bus,
    #[serde(rename = "ESTA-CIW")]
    EstaCiw,
    #[serde(rename = "B1-BILOH")]
    B1Biloh,
    #[serde(rename = "E2-ESS")]
    E2Ess,
    #[serde(rename = "L1B")]
    L1b,
    #[serde(rename = "E4-PWK")]
    E4Pwk,
}

impl VisaRoute {
    pub const ALL: [VisaRoute; 7] = [
        VisaRoute::B1Ciw,
        VisaRoute::B1Bus,
        VisaRoute::EstaCiw,
        VisaRoute::B1Biloh,
        VisaRoute::E2Ess,
        VisaRoute::L1b,
        VisaRoute::E4Pwk,
    ];

    pub fn id(self) -> &'static str {
        match self {
            VisaRoute::B1Ciw => "B1-CIW",
            VisaRoute::B1Bus => "B1-BUS",
            VisaRoute::EstaCiw => "ESTA-CIW",
            VisaRoute::B1Biloh => "B1-BILOH",
            VisaRoute::E2Ess => "E2-ESS",
            VisaRoute::L1b => "L1B",
            VisaRoute::E4Pwk => "E4-PWK",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            VisaRoute::B1Ciw => "B-1 commercial or industrial worker",
            VisaRoute::B1Bus => "B-1 business visitor",
            VisaRoute::EstaCiw => "Visa Waiver Program (ESTA) for the same activities",
            VisaRoute::B1Biloh => "B-1 in lieu of H-1B",
            VisaRoute::E2Ess => "E-2 essential employee",
            VisaRoute::L1b => "L-1B intracompany transferee (specialized knowledge)",
            VisaRoute::E4Pwk => "E-4 (proposed, Partner with Korea Act)",
        }
    }

    /// The legal basis named in the annotation of an approval.
    pub fn basis(self) -> &'static str {
        match self {
            VisaRoute::B1Ciw => "9 FAM 402.2-5(E)(1); 8 CFR 214.2(b)(1)",
            VisaRoute::B1Bus => "INA 101(a)(15)(B); 22 CFR 41.31(b)(1); 9 FAM 402.2-5",
            VisaRoute::EstaCiw => {
                "Visa Waiver Program, INA 217; U.S.-Korea working group of 2025-09-30"
            }
            VisaRoute::B1Biloh => "9 FAM 402.2-5(F) (formerly 9 FAM 41.31 N11)",
            VisaRoute::E2Ess => "22 CFR 41.51(b); 8 CFR 214.2(e); 9 FAM 402.9",
            VisaRoute::L1b => "INA 101(a)(15)(L); 8 CFR 214.2(l)",
            VisaRoute::E4Pwk => "H.R. 4687, 119th Congress (proposed; not in force)",
        }
    }

    /// Not a visa: "approving" it advises the worker to travel on ESTA (`esta_advised`).
    pub fn is_visa_waiver(self) -> bool {
        matches!(self, VisaRoute::EstaCiw)
    }

    /// Approvals of this route count against a yearly cap (principals only).
    pub fn is_capped(self) -> bool {
        matches!(self, VisaRoute::E4Pwk)
    }
}

impl fmt::Display for VisaRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for VisaRoute {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        VisaRoute::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "must be one of {}",
                    VisaRoute::ALL.map(|r| r.id()).join(", ")
                ))
            })
    }
}
