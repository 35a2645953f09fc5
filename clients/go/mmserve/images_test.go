package mmserve

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
)

func TestFromImage_grayIsSentAsGray8RowsOfTheBoundsOnly(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 3, 3))
	for n := range gray.Pix {
		gray.Pix[n] = byte(n)
	}
	// the lower-right 2x2 of a 3x3 image: its stride is 3, its origin (1, 1)
	sub := gray.SubImage(image.Rect(1, 1, 3, 3))

	raw := rawImage(sub)

	if raw.Width != 2 || raw.Height != 2 || raw.Format != mmservev1.PixelFormat_GRAY8 {
		t.Fatalf("raw = %dx%d %v", raw.Width, raw.Height, raw.Format)
	}
	if want := []byte{4, 5, 7, 8}; !bytes.Equal(raw.Data, want) {
		t.Errorf("data = %v, want %v", raw.Data, want)
	}
}

func TestFromImage_nrgbaIsSentAsRgba8(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 128})
	img.SetNRGBA(1, 0, color.NRGBA{R: 1, G: 2, B: 3, A: 255})

	raw := rawImage(img)

	if raw.Format != mmservev1.PixelFormat_RGBA8 {
		t.Fatalf("format = %v", raw.Format)
	}
	if want := []byte{200, 100, 50, 128, 1, 2, 3, 255}; !bytes.Equal(raw.Data, want) {
		t.Errorf("data = %v, want %v", raw.Data, want)
	}
}

func TestFromImage_premultipliedRgbaIsSentAsRgb8WithoutAlpha(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1, 2))
	// half-transparent red, premultiplied: R 100 of A 128 is R 199 unpremultiplied (PIL keeps 199)
	img.SetRGBA(0, 0, color.RGBA{R: 100, G: 0, B: 0, A: 128})
	img.SetRGBA(0, 1, color.RGBA{R: 10, G: 20, B: 30, A: 255})

	raw := rawImage(img)

	if raw.Format != mmservev1.PixelFormat_RGB8 || raw.Width != 1 || raw.Height != 2 {
		t.Fatalf("raw = %dx%d %v", raw.Width, raw.Height, raw.Format)
	}
	if want := []byte{199, 0, 0, 10, 20, 30}; !bytes.Equal(raw.Data, want) {
		t.Errorf("data = %v, want %v", raw.Data, want)
	}
}

func TestImageFile_sendsTheFilesBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "picture.png")
	if err := os.WriteFile(path, []byte("\x89PNG..."), 0o600); err != nil {
		t.Fatal(err)
	}

	converted, err := ImageFile(path).proto()

	if err != nil || !bytes.Equal(converted.GetEncoded(), []byte("\x89PNG...")) {
		t.Fatalf("converted = %v, %v", converted, err)
	}
}

func TestProtoImages_unreadableFileNamesTheItem(t *testing.T) {
	_, err := protoImages("images", []Image{ImageBytes([]byte("a")), ImageBytes([]byte("b")), ImageFile("missing.jpg")})

	if err == nil || err.Error() != "mmserve: images[2]: open missing.jpg: no such file or directory" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err does not wrap the file error")
	}
}
