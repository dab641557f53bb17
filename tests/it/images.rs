//! Images: no original is published; every copy is upright, sized and free of metadata.

use std::fs;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GenericImageView, ImageDecoder, ImageEncoder, RgbImage};

use crate::support::TestSite;

/// Strings hidden in the test images' metadata; none may reach the output.
const SECRETS: [&[u8]; 4] = [b"SECRETCAM", b"SECRETNAME", b"secret comment", b"Exif"];

/// An Exif block as a phone writes it: camera make, orientation, and a GPS position.
/// TIFF little-endian, written out by hand.
fn exif_with_gps(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    // IFD0 at 8: three entries, then the next-IFD offset; ends at 50.
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x010F, ASCII, 10, 50); // Make
    entry(&mut t, 0x0112, SHORT, 1, u32::from(orientation));
    entry(&mut t, 0x8825, LONG, 1, 60); // GPS IFD
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(b"SECRETCAM\0");
    // GPS IFD at 60: latitude reference and latitude; ends at 90.
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, ASCII, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, RATIONAL, 3, 90);
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(42u32, 1u32), (58, 1), (1234, 100)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    t
}

/// A 1200 × 800 photo, left half red, right half blue, as the camera stored it.
fn pixels() -> RgbImage {
    RgbImage::from_fn(1200, 800, |x, _| {
        if x < 600 {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([30, 30, 220])
        }
    })
}

/// A JPEG with Exif (GPS, orientation 6: "turn a quarter clockwise to view") and a
/// comment block.
fn phone_photo() -> Vec<u8> {
    let mut jpeg = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
    encoder.set_exif_metadata(exif_with_gps(6)).unwrap();
    encoder
        .write_image(pixels().as_raw(), 1200, 800, ExtendedColorType::Rgb8)
        .unwrap();
    let mut with_comment = jpeg[..2].to_vec();
    with_comment.extend_from_slice(b"\xFF\xFE\x00\x10secret comment");
    with_comment.extend_from_slice(&jpeg[2..]);
    with_comment
}

/// A PNG with an author in a tEXt chunk and Exif in an eXIf chunk.
fn annotated_png() -> Vec<u8> {
    let mut png = Vec::new();
    let mut encoder = PngEncoder::new(&mut png);
    encoder.set_exif_metadata(exif_with_gps(1)).unwrap();
    let small = RgbImage::from_pixel(300, 200, image::Rgb([10, 120, 10]));
    encoder
        .write_image(small.as_raw(), 300, 200, ExtendedColorType::Rgb8)
        .unwrap();
    let data = b"Author\0SECRETNAME";
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    let iend = png.len() - 12;
    png.splice(iend..iend, chunk);
    png
}

fn site_with(files: &[(&str, &[u8])]) -> TestSite {
    let site = TestSite::new("basic");
    for (path, bytes) in files {
        let full = site.root().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, bytes).unwrap();
    }
    site
}

const ILLUSTRATED: &str = "+++\ntitle = \"At the river\"\ndate = 2024-05-01\nsummary = \"A photo.\"\nimage = \"static/img/river.jpg\"\nimage_alt = \"The Tumen river at dusk\"\n+++\nText.\n";

#[test]
fn photos_are_published_upright_without_metadata_in_every_width() {
    let site = site_with(&[
        ("static/img/river.jpg", &phone_photo()),
        ("static/img/chart.png", &annotated_png()),
    ]);
    site.write("content/articles/river.md", ILLUSTRATED);
    site.build(&[]);

    for (path, bytes) in site.snapshot() {
        for secret in SECRETS {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{path} still holds {:?}",
                String::from_utf8_lossy(secret)
            );
        }
        if path.ends_with(".jpg") || path.ends_with(".png") {
            let mut decoder = image::ImageReader::new(std::io::Cursor::new(&bytes))
                .with_guessed_format()
                .unwrap()
                .into_decoder()
                .unwrap();
            assert_eq!(decoder.exif_metadata().unwrap(), None, "{path}");
            assert_eq!(decoder.icc_profile().unwrap(), None, "{path}");
        }
    }

    // Orientation 6 applied: 1200 × 800 as stored, 800 × 1200 as seen; the red left
    // half is now the top.
    let river = image::open(site.root().join("public/img/river.jpg")).unwrap();
    assert_eq!(river.dimensions(), (800, 1200));
    assert!(river.to_rgb8().get_pixel(400, 100)[0] > 150);
    assert!(river.to_rgb8().get_pixel(400, 1100)[0] < 100);
    let small = image::open(site.root().join("public/img/river-480w.jpg")).unwrap();
    assert_eq!(small.dimensions(), (480, 720));
    // Narrower than every width: one copy, at its own size.
    let chart = image::open(site.root().join("public/img/chart.png")).unwrap();
    assert_eq!(chart.dimensions(), (300, 200));
    assert!(!site.exists("img/chart-480w.png"));

    let page = site.page("articles/river/index.html");
    let attr = |name: &str| page.attrs(".article-image img", name).join("");
    assert_eq!(attr("src"), "/img/river.jpg");
    assert_eq!(
        attr("srcset"),
        "/img/river-480w.jpg 480w, /img/river.jpg 800w"
    );
    for candidate in attr("srcset").split(", ") {
        let url = candidate.split(' ').next().unwrap();
        assert!(site.exists(url.trim_start_matches('/')), "{url}");
    }
    assert_eq!(
        (attr("width"), attr("height")),
        ("800".into(), "1200".into())
    );
    assert_eq!(attr("alt"), "The Tumen river at dusk");
    assert_eq!(attr("loading"), "lazy");
    assert!(attr("sizes").contains("48rem"));
}

#[test]
fn a_damaged_image_fails_check_and_build_naming_the_file() {
    let mut broken = phone_photo();
    broken.truncate(600);
    let site = site_with(&[("static/img/broken.jpg", &broken)]);
    for command in ["check", "build"] {
        let run = site.run(&[command]);
        assert_eq!(run.code(), Some(1), "{command}: {}", run.stderr());
        let err = run.stderr();
        assert!(err.contains("static/img/broken.jpg"), "{err}");
        assert!(err.contains("cannot be read"), "{err}");
        assert!(err.contains("help:"), "{err}");
    }
    assert!(!site.exists("index.html"));
}

#[test]
fn images_that_cannot_be_cleaned_are_refused() {
    let site = site_with(&[
        ("static/img/IMG_0001.HEIC", b"\0\0\0\x18ftypheic\0\0\0\0"),
        ("static/notes.txt", &phone_photo()),
    ]);
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("static/img/IMG_0001.HEIC"), "{err}");
    assert!(err.contains("HEIC images"), "{err}");
    assert!(err.contains("static/notes.txt"), "{err}");
    assert!(err.contains("a JPEG image under another name"), "{err}");
}

#[test]
fn oversized_images_are_refused_with_the_limit() {
    let site = site_with(&[("static/img/river.jpg", &phone_photo())]);
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("{config}\n[limits]\nimage_size_kib = 1\n"),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("static/img/river.jpg"), "{err}");
    assert!(err.contains("the limit is 1 KiB"), "{err}");
    assert!(err.contains("image_size_kib"), "{err}");
}

#[test]
fn an_article_image_must_be_an_image_inside_static() {
    let site = site_with(&[("static/report.pdf", b"%PDF-1.4")]);
    for (image, message) in [
        ("../../../etc/passwd", "leaves the site folder"),
        ("/etc/hostname", "leaves the site folder"),
        ("static/report.pdf", "not a JPEG, PNG, WebP, GIF or SVG"),
    ] {
        site.write(
            "content/articles/river.md",
            &ILLUSTRATED.replace("static/img/river.jpg", image),
        );
        let run = site.run(&["check"]);
        assert_eq!(run.code(), Some(1), "{image}");
        let err = run.stderr();
        assert!(err.contains("content/articles/river.md:5"), "{err}");
        assert!(err.contains(message), "{image}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn an_article_image_may_not_be_a_symbolic_link() {
    let site = TestSite::new("basic");
    fs::create_dir_all(site.root().join("static/img")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", site.root().join("static/img/river.jpg")).unwrap();
    site.write("content/articles/river.md", ILLUSTRATED);
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().contains("symbolic link"), "{}", run.stderr());
}

/// An image written in the text of an article loads lazily, with the size and the
/// narrower copies of the file it was published as.
#[test]
fn images_in_the_text_get_their_size_and_copies() {
    let site = site_with(&[("static/img/river.jpg", &phone_photo())]);
    site.write(
        "content/articles/river.md",
        "+++\ntitle = \"At the river\"\ndate = 2024-05-01\nsummary = \"A photo.\"\n+++\nBefore.\n\n![The river at dusk](/img/river.jpg)\n",
    );
    site.build(&[]);
    let page = site.read("articles/river/index.html");
    let start = page.find("<img").expect("the image is on the page");
    let img = &page[start..start + page[start..].find('>').unwrap()];
    for attribute in [
        "loading=\"lazy\"",
        "decoding=\"async\"",
        "width=\"800\"",
        "height=\"1200\"",
        "alt=\"The river at dusk\"",
        "/img/river-480w.jpg 480w",
    ] {
        assert!(img.contains(attribute), "{attribute} missing in {img}");
    }
}
