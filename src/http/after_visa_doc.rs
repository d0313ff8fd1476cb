//! The OpenAPI part of "after the visa" (issue 16): confirmations, trips and presence, the
//! training ledger. Merged into the main document by `openapi::document`, so these routes
//! are described without touching the main path list.

use utoipa::OpenApi;

use super::{confirmations, overstay, training, trips};

#[derive(OpenApi)]
#[openapi(
    paths(
        confirmations::get, confirmations::pdf, confirmations::verify,
        trips::add, trips::list, trips::presence, trips::import, trips::record_exit,
        overstay::list, overstay::finding,
        training::record, training::list, training::import, training::report, training::export,
        training::public,
    ),
    tags(
        (name = "confirmations", description = "The desk's signed confirmation the worker carries, and its public verification"),
        (name = "after the visa", description = "Trips to the United States and days present, per worker; the desk's overstay alerts and findings"),
        (name = "training", description = "The training ledger: U.S. workers trained by the desk's workers, per case, in reports, and as public figures"),
    )
)]
pub struct AfterVisaDoc;
