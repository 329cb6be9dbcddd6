//! Bodies that are not JSON: thumbnails as real JPEG images, pages as HTML, files
//! as bytes, chosen by the content type the spec documents for the operation.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;

use crate::spec::Operation;

/// The documented content type of an operation's success, when it is not JSON.
pub fn binary_type(op: &Operation) -> Option<&str> {
    op.responses
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .find_map(|r| r.content_type.as_deref())
        .filter(|t| !t.contains("json"))
}

pub fn respond(content_type: &str) -> Response {
    let body: Vec<u8> = match content_type {
        t if t.starts_with("image/jpeg") => jpeg_8x8_gray(),
        t if t.starts_with("text/html") => {
            b"<!doctype html><html><head><title>assay mock</title></head><body></body></html>"
                .to_vec()
        }
        _ => b"assay mock content\n".to_vec(),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("a response from valid parts")
}

/// A baseline JPEG of an 8×8 mid-gray image, built from the format's parts: one
/// 8-bit component, a quantisation table of ones, and Huffman tables with a single
/// one-bit code each (DC difference 0, AC end-of-block), so the whole scan is the
/// two bits `00` padded with ones.
pub fn jpeg_8x8_gray() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8]; // start of image
    // APP0 JFIF 1.01, no density, no thumbnail.
    j.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    // Quantisation table 0: 64 ones.
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend_from_slice(&[1u8; 64]);
    // Start of frame: 8 bits, 8×8, one component (id 1, no subsampling, table 0).
    j.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    // Huffman tables: DC 0 and AC 0, each one code of length 1 for symbol 0x00.
    for class_id in [0x00u8, 0x10] {
        j.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class_id, 0x01]);
        j.extend_from_slice(&[0u8; 15]);
        j.push(0x00);
    }
    // Start of scan: one component using tables 0/0, full spectral range.
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    // DC category 0 (`0`), then end of block (`0`), padded with ones.
    j.push(0b0011_1111);
    j.extend_from_slice(&[0xFF, 0xD9]); // end of image
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jpeg_has_the_markers_of_a_baseline_image() {
        let j = jpeg_8x8_gray();
        assert_eq!(&j[..2], &[0xFF, 0xD8]);
        assert_eq!(&j[j.len() - 2..], &[0xFF, 0xD9]);
        let sof = j.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        // Height and width of 8.
        assert_eq!(&j[sof + 5..sof + 9], &[0x00, 0x08, 0x00, 0x08]);
    }
}
