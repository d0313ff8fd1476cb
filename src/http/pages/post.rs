//! `Post`: the extractor of every page form post (`application/x-www-form-urlencoded`).
//! It loads the page's context, refuses a cross-site post and a post whose `csrf` field does
//! not match the page's token, and only then hands the handler the form. A handler that takes
//! a `Post` cannot forget the checks; one that takes a raw form cannot reach the page context.
//!
//! Multipart posts (uploads) check the same things in `cases::upload_from_page`, before a
//! byte is stored.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};

use super::forms::FormData;
use super::{Page, PageError};
use crate::http::AppState;

/// What a form becomes once read: the name/value pairs themselves ([`FormData`]), or a
/// handler's own type built from them.
pub trait FromForm: Sized {
    fn from_form(form: FormData) -> Self;
}

impl FromForm for FormData {
    fn from_form(form: FormData) -> Self {
        form
    }
}

/// A form posted to a page, checked: same-site, and its `csrf` field is the page's token.
pub struct Post<F: FromForm = FormData> {
    pub page: Page,
    pub form: F,
}

impl<F: FromForm + 'static> FromRequest for Post<F> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // The body is read with the route's FormConfig (its size limit and content type).
        let body = web::Form::<Vec<(String, String)>>::from_request(&req, payload);
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| PageError::status(StatusCode::INTERNAL_SERVER_ERROR))?;
            let page = Page::load(&req, &state).await?;
            let form = match body.await {
                Ok(form) => FormData(form.into_inner()),
                Err(e) => {
                    tracing::info!(path = %req.path(), error = %e, "unreadable form post");
                    return Err(page.bad_form());
                }
            };
            page.check_post(&req, form.get("csrf"))?;
            Ok(Post {
                page,
                form: F::from_form(form),
            })
        })
    }
}
