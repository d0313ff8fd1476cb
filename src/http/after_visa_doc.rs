//! The OpenAPI part of "after the visa" (issue 16): confirmations, trips and presence, the
//! training ledger. Merged into the main document by `openapi::document`, so these routes
//! are described without touching the main path list.

use utoipa::OpenApi;

use super::confirmations;

#[derive(OpenApi)]
#[openapi(
    paths(confirmations::get, confirmations::pdf, confirmations::verify),
    tags(
        (name = "confirmations", description = "The desk's signed confirmation the worker carries, and its public verification"),
    )
)]
pub struct AfterVisaDoc;
