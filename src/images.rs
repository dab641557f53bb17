//! Images: no original is ever published.
//!
//! A photo straight from a phone carries the place it was taken (GPS), the time, the
//! camera's serial number and often the owner's name. Hugo strips this only from the
//! images it resizes and publishes originals with their GPS position intact
//! (hugo#12506); here no original reaches the output at all. [`publish`] decodes every
//! JPEG, PNG, WebP and GIF among the static files, turns it upright according to its
//! EXIF orientation, and encodes it anew in a few widths: encoders write pixels, never
//! the metadata that came with them. `MetadataGate` then looks inside every file on its
//! way out, whatever produced it, and refuses any image that still carries metadata.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageError, ImageReader, Limits};
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::render::{Content, OutputFile, Sink};

/// Widths, in pixels, of the copies made for `srcset`. The widest copy takes the
/// original's name; no copy is wider than the original.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];
/// JPEG quality: photos look as they did, at a fraction of a camera's file size.
const JPEG_QUALITY: u8 = 82;
/// Largest image file accepted by default, in bytes (`[limits] image_size_kib`).
pub const MAX_IMAGE_SIZE: u64 = 20 * 1024 * 1024;
/// Largest width or height accepted: a "decompression bomb" of a few KiB that claims
/// to be 100 000 pixels wide fails here, before any memory is taken.
const MAX_SIDE: u32 = 16_384;
/// Most memory one image may take while it is decoded.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// The image formats advocate re-encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl Format {
    /// The format of a file ending in `.ext`, if it is one we re-encode.
    fn of_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            "webp" => Some(Format::WebP),
            "gif" => Some(Format::Gif),
            _ => None,
        }
    }

    /// The format the first bytes of a file announce.
    fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Some(Format::WebP)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Gif => "GIF",
        }
    }
}

/// Image formats that carry metadata but that advocate cannot re-encode, by extension.
const FOREIGN_EXTENSIONS: &[(&str, &str)] = &[
    ("heic", "HEIC"),
    ("heif", "HEIF"),
    ("avif", "AVIF"),
    ("tif", "TIFF"),
    ("tiff", "TIFF"),
    ("bmp", "BMP"),
    ("jxl", "JPEG XL"),
    ("psd", "Photoshop"),
    ("dng", "camera raw"),
    ("cr2", "camera raw"),
    ("cr3", "camera raw"),
    ("nef", "camera raw"),
    ("arw", "camera raw"),
    ("orf", "camera raw"),
    ("raf", "camera raw"),
    ("rw2", "camera raw"),
];

/// The name of a format advocate cannot clean, recognised by name or by content.
fn foreign(path: &Path, head: &[u8]) -> Option<&'static str> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if let Some((_, name)) = FOREIGN_EXTENSIONS
        .iter()
        .find(|(e, _)| ext.as_deref() == Some(e))
    {
        return Some(name);
    }
    let brand = head.get(8..12).unwrap_or_default();
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if head.get(4..8) == Some(b"ftyp") && matches!(brand, b"avif" | b"avis") {
        Some("AVIF")
    } else if head.get(4..8) == Some(b"ftyp")
        && matches!(
            brand,
            b"heic" | b"heix" | b"heim" | b"heis" | b"mif1" | b"msf1"
        )
    {
        Some("HEIC")
    } else if head.starts_with(b"8BPS") {
        Some("Photoshop")
    } else if head.starts_with(&[0xFF, 0x0A]) || head.starts_with(b"\0\0\0\x0cJXL ") {
        Some("JPEG XL")
    } else {
        None
    }
}

/// An image as published: its size and its copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Image {
    /// Width of the widest copy, the one at the original's path.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// Every copy as (width, output path), narrowest first; the last is at the
    /// original's path.
    pub copies: Vec<(u32, String)>,
}

/// Output path of an original image → what was published in its place.
pub type Images = BTreeMap<String, Image>;

/// What [`publish`] did.
#[derive(Debug, Default)]
pub struct Published {
    /// The images published, by the output path of their original.
    pub images: Images,
    /// Images that could not be published, and static files that look like images.
    pub diagnostics: Vec<Diagnostic>,
}

/// Images encoded by earlier builds of this process, by the bytes they came from and
/// the path they go to: `serve` rebuilds the site on every save without encoding an
/// unchanged photo again. Clones share one cache; it keeps only what the latest build
/// used.
#[derive(Clone, Default)]
pub struct Cache(Arc<Mutex<CacheState>>);

#[derive(Default)]
struct CacheState {
    /// Filled by the build in progress.
    current: HashMap<u64, Arc<Vec<Encoded>>>,
    /// What the build before used; dropped when this one ends.
    previous: HashMap<u64, Arc<Vec<Encoded>>>,
}

impl Cache {
    fn key(out: &str, bytes: &[u8]) -> u64 {
        let mut hasher = DefaultHasher::new();
        out.hash(&mut hasher);
        bytes.hash(&mut hasher);
        hasher.finish()
    }

    fn get(&self, key: u64) -> Option<Arc<Vec<Encoded>>> {
        let mut state = self.0.lock().ok()?;
        if let Some(found) = state.current.get(&key) {
            return Some(Arc::clone(found));
        }
        let found = state.previous.remove(&key)?;
        state.current.insert(key, Arc::clone(&found));
        Some(found)
    }

    fn insert(&self, key: u64, copies: Arc<Vec<Encoded>>) {
        if let Ok(mut state) = self.0.lock() {
            state.current.insert(key, copies);
        }
    }

    /// Starts a build: what the last one used may be used again, the rest is dropped.
    fn start(&self) {
        if let Ok(mut state) = self.0.lock() {
            state.previous = std::mem::take(&mut state.current);
        }
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.0.lock().map_or(0, |s| s.current.len());
        write!(f, "Cache({size} images)")
    }
}

/// Re-encodes every image among `assets` (output path → file relative to `root`) into
/// `sink`, in parallel. The other assets are left for the caller to copy; a site without
/// images costs a look at the first bytes of each static file.
pub fn publish(
    root: &Path,
    assets: &BTreeMap<String, PathBuf>,
    size_limit: u64,
    cache: &Cache,
    work: Work,
    sink: &dyn Sink,
) -> io::Result<Published> {
    cache.start();
    let job = Job {
        root,
        size_limit,
        cache,
        work,
        sink,
    };
    let outcomes: Vec<(&String, Outcome)> = assets
        .par_iter()
        .map(|(out, source)| Ok((out, job.publish(out, source)?)))
        .collect::<io::Result<_>>()?;
    let mut published = Published::default();
    for (out, outcome) in outcomes {
        match outcome {
            Outcome::NotImage => {}
            Outcome::Published(image) => {
                published.images.insert(out.clone(), image);
            }
            Outcome::Refused(d) => published.diagnostics.push(d),
        }
    }
    for (out, image) in &published.images {
        for (_, copy) in &image.copies {
            if copy != out && assets.contains_key(copy) {
                published.diagnostics.push(
                    Diagnostic::error(
                        &assets[copy],
                        format!("this file has the name of a smaller copy of {out}"),
                    )
                    .help("rename one of the two files: names ending in -480w, -960w or -1600w are taken by image copies"),
                );
            }
        }
    }
    Ok(published)
}

/// What became of one asset.
enum Outcome {
    /// Not an image: the caller copies it.
    NotImage,
    /// An image, published in these copies.
    Published(Image),
    /// An image that must not be published as it is.
    Refused(Diagnostic),
}

/// What [`publish`] does to each asset.
struct Job<'a> {
    root: &'a Path,
    size_limit: u64,
    cache: &'a Cache,
    work: Work,
    sink: &'a dyn Sink,
}

impl Job<'_> {
    fn publish(&self, out: &str, source: &Path) -> io::Result<Outcome> {
        let full = self.root.join(source);
        if Format::of_extension(source).is_none() {
            let head = read_head(&full)?;
            return Ok(disguised(source, &head).map_or(Outcome::NotImage, Outcome::Refused));
        }
        let size = fs::metadata(&full)?.len();
        if size > self.size_limit {
            return Ok(Outcome::Refused(too_large(source, size, self.size_limit)));
        }
        let bytes = fs::read(&full)?;
        if let Some(name) = foreign(Path::new(""), &bytes) {
            return Ok(Outcome::Refused(unsupported(source, name)));
        }
        let copies = match self.copies(out, &bytes) {
            Ok(copies) => copies,
            Err(e) => return Ok(Outcome::Refused(undecodable(source, &e))),
        };
        if self.work == Work::Publish {
            for copy in copies.iter() {
                self.sink.put(OutputFile {
                    path: copy.path.clone(),
                    content: Content::Bytes(copy.bytes.clone()),
                })?;
            }
        }
        let (width, height) = copies.last().map_or((0, 0), |c| (c.width, c.height));
        Ok(Outcome::Published(Image {
            width,
            height,
            copies: copies.iter().map(|c| (c.width, c.path.clone())).collect(),
        }))
    }

    /// The copies of an image, from the cache when an earlier build made them.
    fn copies(&self, out: &str, bytes: &[u8]) -> Result<Arc<Vec<Encoded>>, ImageError> {
        if self.work == Work::Check {
            return reencode(bytes, out, Work::Check).map(Arc::new);
        }
        let key = Cache::key(out, bytes);
        if let Some(copies) = self.cache.get(key) {
            return Ok(copies);
        }
        let copies = Arc::new(reencode(bytes, out, Work::Publish)?);
        self.cache.insert(key, Arc::clone(&copies));
        Ok(copies)
    }
}

/// The first bytes of a file, enough to recognise its format.
fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(16);
    fs::File::open(path)?.take(16).read_to_end(&mut head)?;
    Ok(head)
}

/// A file that is an image, or a format that carries metadata, under a name that does
/// not say so.
fn disguised(source: &Path, head: &[u8]) -> Option<Diagnostic> {
    if let Some(name) = foreign(source, head) {
        return Some(unsupported(source, name));
    }
    let format = Format::sniff(head)?;
    Some(
        Diagnostic::error(
            source,
            format!("this file is a {} image under another name", format.name()),
        )
        .help("give it the extension of its format (.jpg, .png, .webp or .gif) so that it is cleaned of metadata like every image"),
    )
}

fn too_large(source: &Path, size: u64, limit: u64) -> Diagnostic {
    Diagnostic::error(
        source,
        format!(
            "this image is {} KiB; the limit is {} KiB",
            size / 1024,
            limit / 1024
        ),
    )
    .help("export it at a smaller size (2000 pixels wide is plenty), or raise [limits] image_size_kib in site.toml")
}

fn unsupported(source: &Path, format: &str) -> Diagnostic {
    Diagnostic::error(
        source,
        format!("advocate cannot remove the metadata of {format} images, so it will not publish this one"),
    )
    .help("export it as JPEG (photos) or PNG (drawings, screenshots) and use that file instead")
}

fn undecodable(source: &Path, error: &ImageError) -> Diagnostic {
    let (what, help) = match error {
        ImageError::Limits(_) => (
            format!("this image is too large to decode ({error})"),
            format!(
                "export it at most {MAX_SIDE} pixels wide and high; 2000 pixels is plenty for a web page"
            ),
        ),
        ImageError::Unsupported(_) => (
            format!("this image uses a variant of its format that cannot be read ({error})"),
            "open it in an image editor and export it again as JPEG or PNG".to_owned(),
        ),
        _ => (
            format!("this image cannot be read: it is damaged or not what its name says ({error})"),
            "open it in an image editor and export it again as JPEG or PNG".to_owned(),
        ),
    };
    Diagnostic::error(source, what).help(help)
}

/// One encoded copy of an image.
struct Encoded {
    path: String,
    width: u32,
    height: u32,
    bytes: Vec<u8>,
}

/// How much of the work on images a run needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Decode, resize and encode every copy: what `build` and `serve` publish.
    Publish,
    /// Decode only, and work out the sizes of the copies: enough for `check` to find
    /// every image that cannot be published, at a fraction of the cost.
    Check,
}

/// Decodes an image, turns it upright and encodes it in each width of [`WIDTHS`] below
/// its own, narrowest first; the widest copy takes the path `out` of the original.
/// Under [`Work::Check`] the copies have their sizes but no bytes.
fn reencode(bytes: &[u8], out: &str, work: Work) -> Result<Vec<Encoded>, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    reader.limits(limits());
    let format = reader.format().and_then(|f| match f {
        image::ImageFormat::Jpeg => Some(Format::Jpeg),
        image::ImageFormat::Png => Some(Format::Png),
        image::ImageFormat::WebP => Some(Format::WebP),
        image::ImageFormat::Gif => Some(Format::Gif),
        _ => None,
    });
    let Some(format) = format else {
        return Err(ImageError::IoError(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a JPEG, PNG, WebP or GIF image",
        )));
    };
    if format == Format::Gif {
        let (width, height, bytes) = reencode_gif(bytes, work)?;
        return Ok(vec![Encoded {
            path: out.to_owned(),
            width,
            height,
            bytes,
        }]);
    }
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);

    let sizes = copy_sizes(image.width(), image.height());
    let path = |i: usize, width: u32| {
        if i == sizes.len() - 1 {
            out.to_owned()
        } else {
            copy_path(out, width)
        }
    };
    let mut copies = Vec::with_capacity(sizes.len());
    if work == Work::Check {
        for (i, &(width, height)) in sizes.iter().enumerate() {
            let path = path(i, width);
            let bytes = Vec::new();
            copies.push(Encoded {
                path,
                width,
                height,
                bytes,
            });
        }
        return Ok(copies);
    }
    // Each copy is scaled from the next wider one: cheaper than from the original, and
    // as sharp. Catmull-Rom is as sharp as Lanczos at these ratios for a fifth less work.
    let mut current = image;
    for (i, &(width, height)) in sizes.iter().enumerate().rev() {
        if (width, height) != (current.width(), current.height()) {
            current = current.resize_exact(width, height, FilterType::CatmullRom);
        }
        copies.push(Encoded {
            path: path(i, width),
            width,
            height,
            bytes: encode(&current, format)?,
        });
    }
    copies.reverse();
    Ok(copies)
}

/// The sizes of the copies of a `width`×`height` image, narrowest first: each width of
/// [`WIDTHS`] below the image's own, and the image's width up to the widest of them.
fn copy_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let widest = width.min(WIDTHS[WIDTHS.len() - 1]);
    let narrower = WIDTHS.iter().copied().filter(|&w| w < widest);
    let mut sizes = Vec::with_capacity(WIDTHS.len());
    let (mut w, mut h) = (width, height);
    for target in std::iter::once(widest).chain(narrower.rev()) {
        h = scaled_height(w, h, target);
        w = target;
        sizes.push((w, h));
    }
    sizes.reverse();
    sizes
}

/// The height that keeps the proportions of `width`×`height` at `new_width`.
fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let scaled =
        (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// `img/x.jpg` at 480 pixels → `img/x-480w.jpg`.
fn copy_path(out: &str, width: u32) -> String {
    let dot = out
        .rfind('.')
        .filter(|&d| !out[d..].contains('/'))
        .unwrap_or(out.len());
    format!("{}-{width}w{}", &out[..dot], &out[dot..])
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// Encodes pixels alone: no encoder here is given metadata, an ICC profile or a comment.
fn encode(image: &DynamicImage, format: Format) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            match image {
                DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => {
                    image.write_with_encoder(encoder)?;
                }
                _ => DynamicImage::from(image.to_rgb8()).write_with_encoder(encoder)?,
            }
        }
        Format::Png => image.write_with_encoder(PngEncoder::new(&mut out))?,
        Format::WebP => {
            let encoder = WebPEncoder::new_lossless(&mut out);
            match image {
                DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => {
                    image.write_with_encoder(encoder)?;
                }
                _ => DynamicImage::from(image.to_rgba8()).write_with_encoder(encoder)?,
            }
        }
        Format::Gif => unreachable!("GIFs are encoded frame by frame"),
    }
    Ok(out)
}

/// GIFs are often animations: every frame is encoded anew, at its own size.
fn reencode_gif(bytes: &[u8], work: Work) -> Result<(u32, u32, Vec<u8>), ImageError> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes))?;
    decoder.set_limits(limits())?;
    let (width, height) = decoder.dimensions();
    let frame_size = u64::from(width) * u64::from(height) * 4;
    let mut frames = Vec::new();
    let mut total = 0u64;
    for frame in decoder.into_frames() {
        total += frame_size;
        if total > MAX_ALLOC {
            return Err(ImageError::Limits(image::error::LimitError::from_kind(
                image::error::LimitErrorKind::InsufficientMemory,
            )));
        }
        frames.push(frame?);
    }
    let mut out = Vec::new();
    if work == Work::Check {
        return Ok((width, height, out));
    }
    {
        let mut encoder = GifEncoder::new(&mut out);
        if frames.len() > 1 {
            encoder.set_repeat(Repeat::Infinite)?;
        }
        encoder.encode_frames(frames)?;
    }
    Ok((width, height, out))
}

/// The last gate: a sink that looks inside every file on its way out and holds back any
/// image that still carries metadata, or that is in a format advocate cannot clean. It
/// trusts neither names nor origins: a JPEG renamed `.txt` is recognised by its bytes.
pub(crate) struct MetadataGate<'a> {
    root: &'a Path,
    inner: &'a dyn Sink,
    refused: Mutex<Vec<Diagnostic>>,
}

impl<'a> MetadataGate<'a> {
    pub(crate) fn new(root: &'a Path, inner: &'a dyn Sink) -> Self {
        MetadataGate {
            root,
            inner,
            refused: Mutex::new(Vec::new()),
        }
    }

    /// One error per image held back.
    pub(crate) fn violations(self) -> Vec<Diagnostic> {
        self.refused.into_inner().unwrap_or_default()
    }

    /// What is wrong with an outgoing file, if anything.
    fn inspect(&self, file: &OutputFile) -> io::Result<Option<String>> {
        match &file.content {
            Content::Bytes(bytes) => Ok(leftover(Path::new(&file.path), bytes)),
            Content::Copy(source) => {
                let full = self.root.join(source);
                let head = read_head(&full)?;
                if Format::sniff(&head).is_none() && foreign(Path::new(&file.path), &head).is_none()
                {
                    return Ok(None);
                }
                Ok(leftover(Path::new(&file.path), &fs::read(&full)?))
            }
        }
    }
}

impl Sink for MetadataGate<'_> {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        let Some(what) = self.inspect(&file)? else {
            return self.inner.put(file);
        };
        let path = match &file.content {
            Content::Copy(source) => source.clone(),
            Content::Bytes(_) => PathBuf::from(&file.path),
        };
        let diagnostic = Diagnostic::error(
            path,
            format!("the output file {} would carry {what}", file.path),
        )
        .help("nothing was published; images must reach the output through static/, where they are cleaned");
        if let Ok(mut refused) = self.refused.lock() {
            refused.push(diagnostic);
        }
        Ok(())
    }
}

/// What an image file still carries that may identify a person or place: `None` for a
/// clean image and for files that are not images. A structure the scanner cannot follow
/// counts as a finding: what cannot be checked is not published.
pub fn leftover(path: &Path, bytes: &[u8]) -> Option<String> {
    if let Some(name) = foreign(path, bytes) {
        return Some(format!(
            "a {name} image, whose metadata advocate cannot remove"
        ));
    }
    let found = match Format::sniff(bytes)? {
        Format::Jpeg => jpeg_leftover(bytes),
        Format::Png => png_leftover(bytes),
        Format::WebP => webp_leftover(bytes),
        Format::Gif => gif_leftover(bytes),
    };
    found.map(|f| match f {
        Found::Damaged => "an image structure that cannot be checked for metadata".to_owned(),
        Found::Trailing => "data after the end of the image".to_owned(),
        Found::Block(what) => what,
    })
}

/// What a scanner found.
enum Found {
    /// The structure ends early or is not what the format says.
    Damaged,
    /// Bytes after the image's end (phones append videos and second images there).
    Trailing,
    /// A block that holds metadata, described.
    Block(String),
}

/// Reads a big-endian u16 at `i`.
fn be16(bytes: &[u8], i: usize) -> Option<usize> {
    bytes
        .get(i..i + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn u32_at(bytes: &[u8], i: usize, big_endian: bool) -> Option<usize> {
    let b: [u8; 4] = bytes.get(i..i + 4)?.try_into().ok()?;
    let n = if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    };
    usize::try_from(n).ok()
}

/// JPEG: only the JFIF (APP0) and Adobe (APP14) headers among the application blocks;
/// no Exif or XMP (APP1), ICC profile or multi-picture data (APP2), IPTC (APP13) or
/// comment (COM).
fn jpeg_leftover(bytes: &[u8]) -> Option<Found> {
    let mut i = 2;
    loop {
        if bytes.get(i) != Some(&0xFF) {
            return Some(Found::Damaged);
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Some(Found::Damaged);
        };
        i += 1;
        match marker {
            0xD9 => return (i != bytes.len()).then_some(Found::Trailing),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = be16(bytes, i).filter(|&l| l >= 2) else {
            return Some(Found::Damaged);
        };
        let Some(body) = bytes.get(i + 2..i + len) else {
            return Some(Found::Damaged);
        };
        let block = match marker {
            0xE0 if body.starts_with(b"JFIF\0") || body.starts_with(b"JFXX\0") => None,
            0xEE if body.starts_with(b"Adobe") => None,
            0xE1 if body.starts_with(b"Exif\0") => {
                Some("Exif data (APP1: GPS position, time, camera)".to_owned())
            }
            0xE1 if body.starts_with(b"http://ns.adobe.com/") => Some("XMP data (APP1)".to_owned()),
            0xE2 if body.starts_with(b"ICC_PROFILE\0") => Some("an ICC profile (APP2)".to_owned()),
            0xE2 if body.starts_with(b"MPF\0") => {
                Some("a second picture (APP2 multi-picture)".to_owned())
            }
            0xED => Some("IPTC data (APP13: captions, names, places)".to_owned()),
            0xFE => Some("a comment (COM)".to_owned()),
            0xE0..=0xEF => Some(format!("an application block (APP{})", marker - 0xE0)),
            _ => None,
        };
        if let Some(what) = block {
            return Some(Found::Block(what));
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a restart marker or
            // an escaped 0xFF.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(0xFF), Some(&next)) if next != 0 && !(0xD0..=0xD7).contains(&next) => {
                        break;
                    }
                    (Some(_), Some(_)) => i += 1,
                    _ => return Some(Found::Damaged),
                }
            }
        }
    }
}

/// PNG: only the chunks that draw the image; no eXIf, tEXt, zTXt, iTXt, tIME, iCCP or
/// private chunks.
fn png_leftover(bytes: &[u8]) -> Option<Found> {
    const PIXELS: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"pHYs", b"bKGD",
        b"acTL", b"fcTL", b"fdAT",
    ];
    let mut i = 8;
    loop {
        let Some(len) = u32_at(bytes, i, true) else {
            return Some(Found::Damaged);
        };
        let Some(kind) = bytes.get(i + 4..i + 8) else {
            return Some(Found::Damaged);
        };
        let end = i.saturating_add(12).saturating_add(len);
        if end > bytes.len() {
            return Some(Found::Damaged);
        }
        let block = match kind {
            b"IEND" => return (end != bytes.len()).then_some(Found::Trailing),
            b"eXIf" => "Exif data (eXIf: GPS position, time, camera)".to_owned(),
            b"tEXt" | b"zTXt" | b"iTXt" => format!(
                "text ({}: author, software, comments)",
                String::from_utf8_lossy(kind)
            ),
            b"tIME" => "a modification time (tIME)".to_owned(),
            b"iCCP" => "an ICC profile (iCCP)".to_owned(),
            k if PIXELS.iter().any(|p| p.as_slice() == k) => {
                i = end;
                continue;
            }
            other => format!("an unknown block ({})", String::from_utf8_lossy(other)),
        };
        return Some(Found::Block(block));
    }
}

/// WebP: only image, alpha and animation chunks; no EXIF, XMP or ICCP.
fn webp_leftover(bytes: &[u8]) -> Option<Found> {
    let Some(total) = u32_at(bytes, 4, false).map(|n| n.saturating_add(8)) else {
        return Some(Found::Damaged);
    };
    if total > bytes.len() {
        return Some(Found::Damaged);
    }
    if total < bytes.len() {
        return Some(Found::Trailing);
    }
    let mut i = 12;
    while i < total {
        let (Some(kind), Some(len)) = (bytes.get(i..i + 4), u32_at(bytes, i + 4, false)) else {
            return Some(Found::Damaged);
        };
        let block = match kind {
            b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH" | b"ANIM" | b"ANMF" => None,
            b"EXIF" => Some("Exif data (EXIF: GPS position, time, camera)".to_owned()),
            b"XMP " => Some("XMP data (XMP)".to_owned()),
            b"ICCP" => Some("an ICC profile (ICCP)".to_owned()),
            other => Some(format!(
                "an unknown block ({})",
                String::from_utf8_lossy(other)
            )),
        };
        if let Some(what) = block {
            return Some(Found::Block(what));
        }
        i = i
            .saturating_add(8)
            .saturating_add(len)
            .saturating_add(len & 1);
    }
    (i != total).then_some(Found::Damaged)
}

/// GIF: only frames, frame timing and the looping extension; no comments, text or other
/// application data (such as XMP).
fn gif_leftover(bytes: &[u8]) -> Option<Found> {
    /// Skips a run of data sub-blocks starting at `i`; returns the index after it.
    fn sub_blocks(bytes: &[u8], mut i: usize) -> Option<usize> {
        loop {
            let size = usize::from(*bytes.get(i)?);
            i += 1 + size;
            if size == 0 {
                return Some(i);
            }
        }
    }
    fn colour_table(flags: u8) -> usize {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 7) + 1)
        }
    }
    let Some(&flags) = bytes.get(10) else {
        return Some(Found::Damaged);
    };
    let mut i = 13 + colour_table(flags);
    loop {
        let next = match bytes.get(i) {
            Some(0x3B) => return (i + 1 != bytes.len()).then_some(Found::Trailing),
            Some(0x2C) => bytes
                .get(i + 9)
                .and_then(|&f| sub_blocks(bytes, i + 10 + colour_table(f) + 1)),
            Some(0x21) => match bytes.get(i + 1) {
                Some(0xF9) => sub_blocks(bytes, i + 2),
                Some(0xFF) => {
                    let id = bytes.get(i + 3..i + 14);
                    if !matches!(id, Some(b"NETSCAPE2.0" | b"ANIMEXTS1.0")) {
                        let id = String::from_utf8_lossy(id.unwrap_or_default()).into_owned();
                        return Some(Found::Block(format!("application data ({id})")));
                    }
                    sub_blocks(bytes, i + 2)
                }
                Some(0xFE) => return Some(Found::Block("a comment".to_owned())),
                Some(0x01) => return Some(Found::Block("a text block".to_owned())),
                _ => None,
            },
            _ => None,
        };
        match next {
            Some(n) => i = n,
            None => return Some(Found::Damaged),
        }
    }
}

#[cfg(test)]
mod tests {
    use image::{ImageEncoder, RgbImage};

    use super::*;

    /// A minimal Exif block (TIFF, little-endian) holding only an orientation.
    fn exif(orientation: u8) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0]);
        tiff.extend_from_slice(&[0; 4]);
        tiff
    }

    fn pixels() -> DynamicImage {
        DynamicImage::from(RgbImage::from_fn(30, 20, |x, _| {
            image::Rgb([if x < 15 { 255 } else { 0 }, 0, 0])
        }))
    }

    fn encoded(format: Format, exif: Option<Vec<u8>>) -> Vec<u8> {
        let image = pixels();
        let mut out = Vec::new();
        let rgb = image.as_bytes();
        let (w, h, c) = (30, 20, image::ExtendedColorType::Rgb8);
        match format {
            Format::Jpeg => {
                let mut e = JpegEncoder::new(&mut out);
                if let Some(x) = exif {
                    e.set_exif_metadata(x).unwrap();
                }
                e.write_image(rgb, w, h, c).unwrap();
            }
            Format::Png => {
                let mut e = PngEncoder::new(&mut out);
                if let Some(x) = exif {
                    e.set_exif_metadata(x).unwrap();
                }
                e.write_image(rgb, w, h, c).unwrap();
            }
            Format::WebP => {
                let mut e = WebPEncoder::new_lossless(&mut out);
                if let Some(x) = exif {
                    e.set_exif_metadata(x).unwrap();
                }
                e.write_image(rgb, w, h, c).unwrap();
            }
            Format::Gif => {
                GifEncoder::new(&mut out).encode(rgb, w, h, c).unwrap();
            }
        }
        out
    }

    fn found(bytes: &[u8]) -> String {
        leftover(Path::new("x"), bytes).unwrap_or_default()
    }

    #[test]
    fn the_gate_finds_exif_in_every_format_and_passes_clean_images() {
        for format in [Format::Jpeg, Format::Png, Format::WebP] {
            assert_eq!(found(&encoded(format, None)), "", "{format:?}");
            assert!(
                found(&encoded(format, Some(exif(1)))).starts_with("Exif data"),
                "{format:?}: {}",
                found(&encoded(format, Some(exif(1))))
            );
        }
        assert_eq!(found(&encoded(Format::Gif, None)), "");
        assert_eq!(found(b"<svg></svg>"), "");
        assert_eq!(found(b"body { color: red }"), "");
    }

    #[test]
    fn the_gate_finds_comments_text_trailers_and_foreign_formats() {
        let jpeg = encoded(Format::Jpeg, None);
        let mut commented = jpeg[..2].to_vec();
        commented.extend_from_slice(b"\xFF\xFE\x00\x08secret");
        commented.extend_from_slice(&jpeg[2..]);
        assert_eq!(found(&commented), "a comment (COM)");
        let mut trailer = jpeg.clone();
        trailer.extend_from_slice(b"ftypmp42 a motion photo");
        assert_eq!(found(&trailer), "data after the end of the image");
        assert!(found(&jpeg[..jpeg.len() - 10]).contains("cannot be checked"));

        let png = encoded(Format::Png, None);
        let iend = png.len() - 12;
        let mut text = png[..iend].to_vec();
        text.extend_from_slice(b"\0\0\0\x0btEXtAuthor\0Name\0\0\0\0");
        text.extend_from_slice(&png[iend..]);
        assert!(found(&text).starts_with("text (tEXt"), "{}", found(&text));

        let gif = encoded(Format::Gif, None);
        let mut comment = gif[..gif.len() - 1].to_vec();
        comment.extend_from_slice(b"\x21\xFE\x04name\x00\x3B");
        assert_eq!(found(&comment), "a comment");

        assert!(found(b"II*\0\x08\0\0\0").contains("TIFF"));
        assert!(leftover(Path::new("IMG_1.HEIC"), b"anything").is_some());
    }

    #[test]
    fn reencoding_drops_metadata_and_turns_the_image_upright() {
        for format in [Format::Jpeg, Format::Png, Format::WebP] {
            let copies = reencode(&encoded(format, Some(exif(6))), "img/x", Work::Publish).unwrap();
            let [copy] = copies.as_slice() else {
                panic!("{format:?}: one copy expected for a small image");
            };
            assert_eq!((copy.width, copy.height), (20, 30), "{format:?}");
            assert_eq!(found(&copy.bytes), "", "{format:?}");
            // The left half was red: turned a quarter clockwise, it is the top half.
            let image = image::load_from_memory(&copy.bytes).unwrap().to_rgb8();
            assert!(image.get_pixel(10, 3)[0] > 200, "{format:?}");
            assert!(image.get_pixel(10, 26)[0] < 50, "{format:?}");
        }
        let gif = reencode(&encoded(Format::Gif, None), "a.gif", Work::Publish).unwrap();
        assert_eq!(found(&gif[0].bytes), "");
    }

    #[test]
    fn a_decompression_bomb_fails_before_it_takes_memory() {
        // A PNG whose header claims 100 000 × 100 000 pixels (40 GB decoded).
        let mut png = encoded(Format::Png, None);
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let error = reencode(&png, "bomb.png", Work::Check).err().unwrap();
        assert!(matches!(error, ImageError::Limits(_)), "{error:?}");
    }

    #[test]
    fn the_cache_keeps_what_the_last_build_used() {
        let cache = Cache::default();
        let (used, unused) = (Cache::key("a.jpg", b"1"), Cache::key("b.jpg", b"1"));
        assert_ne!(used, unused);
        cache.start();
        cache.insert(used, Arc::new(Vec::new()));
        cache.insert(unused, Arc::new(Vec::new()));
        cache.start();
        assert!(cache.get(used).is_some());
        cache.start();
        assert!(cache.get(used).is_some());
        assert!(cache.get(unused).is_none());
    }

    #[test]
    fn copies_are_named_after_their_width() {
        assert_eq!(copy_path("img/x.jpg", 480), "img/x-480w.jpg");
        assert_eq!(copy_path("a.b/photo", 960), "a.b/photo-960w");
        assert_eq!(scaled_height(4000, 3000, 480), 360);
        assert_eq!(scaled_height(5000, 1, 480), 1);
        assert_eq!(
            copy_sizes(4000, 3000),
            [(480, 360), (960, 720), (1600, 1200)]
        );
        assert_eq!(copy_sizes(800, 1200), [(480, 720), (800, 1200)]);
        assert_eq!(copy_sizes(300, 200), [(300, 200)]);
    }

    #[test]
    fn check_works_out_the_copies_that_publishing_makes() {
        let photo = DynamicImage::from(RgbImage::new(1000, 30));
        let mut jpeg = Vec::new();
        photo
            .write_with_encoder(JpegEncoder::new(&mut jpeg))
            .unwrap();
        let sizes = |work| {
            let copies = reencode(&jpeg, "p.jpg", work).unwrap();
            let sizes: Vec<_> = copies
                .iter()
                .map(|c| (c.path.clone(), c.width, c.height, c.bytes.is_empty()))
                .collect();
            sizes
        };
        let published = sizes(Work::Publish);
        let checked = sizes(Work::Check);
        assert_eq!(published.len(), 3);
        for (p, c) in published.iter().zip(&checked) {
            assert_eq!((&p.0, p.1, p.2, p.3, c.3), (&c.0, c.1, c.2, false, true));
        }
    }
}
