package mmserve

import (
	"fmt"
	"image"
	"image/color"
	"os"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
)

// Image is an image to send: an encoded file's bytes, a file path, or decoded pixels. Encoded
// images (JPEG, PNG, GIF, BMP, WebP, TIFF) are sent as they are and decoded by the server; an
// image.Image is sent as raw pixels. The zero Image is an empty encoded image, which the server
// refuses.
type Image struct {
	encoded []byte
	path    string
	pixels  image.Image
}

// ImageBytes is an encoded image file's bytes. The slice is sent as it is, not copied.
func ImageBytes(encoded []byte) Image {
	return Image{encoded: encoded}
}

// ImageFile is an encoded image file, read when the call is made.
func ImageFile(path string) Image {
	return Image{path: path}
}

// FromImage is decoded pixels, sent as a RawImage: *image.Gray as GRAY8, *image.NRGBA as RGBA8
// (the server drops alpha), anything else as RGB8 with alpha dropped from non-premultiplied colour,
// as PIL's convert("RGB") does.
func FromImage(pixels image.Image) Image {
	return Image{pixels: pixels}
}

func (i Image) proto() (*mmservev1.Image, error) {
	switch {
	case i.pixels != nil:
		return &mmservev1.Image{Source: &mmservev1.Image_Raw{Raw: rawImage(i.pixels)}}, nil
	case i.path != "":
		encoded, err := os.ReadFile(i.path)
		if err != nil {
			return nil, err
		}
		return &mmservev1.Image{Source: &mmservev1.Image_Encoded{Encoded: encoded}}, nil
	default:
		return &mmservev1.Image{Source: &mmservev1.Image_Encoded{Encoded: i.encoded}}, nil
	}
}

// protoImages converts images; an error names the field of the item ("images[2]: open a.png: ...").
func protoImages(field string, images []Image) ([]*mmservev1.Image, error) {
	result := make([]*mmservev1.Image, len(images))
	for n, img := range images {
		converted, err := img.proto()
		if err != nil {
			return nil, fmt.Errorf("mmserve: %s[%d]: %w", field, n, err)
		}
		result[n] = converted
	}
	return result, nil
}

func rawImage(pixels image.Image) *mmservev1.RawImage {
	bounds := pixels.Bounds()
	width, height := bounds.Dx(), bounds.Dy()
	raw := &mmservev1.RawImage{Width: uint32(width), Height: uint32(height)}
	switch m := pixels.(type) {
	case *image.Gray:
		raw.Format = mmservev1.PixelFormat_GRAY8
		raw.Data = rows(m.Pix, m.Stride, m.PixOffset(bounds.Min.X, bounds.Min.Y), width, height)
	case *image.NRGBA:
		raw.Format = mmservev1.PixelFormat_RGBA8
		raw.Data = rows(m.Pix, m.Stride, m.PixOffset(bounds.Min.X, bounds.Min.Y), 4*width, height)
	default:
		raw.Format = mmservev1.PixelFormat_RGB8
		data := make([]byte, 0, 3*width*height)
		for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
			for x := bounds.Min.X; x < bounds.Max.X; x++ {
				c := color.NRGBAModel.Convert(pixels.At(x, y)).(color.NRGBA)
				data = append(data, c.R, c.G, c.B)
			}
		}
		raw.Data = data
	}
	return raw
}

// rows copies height rows of rowBytes bytes each, starting at offset, from a buffer with stride.
func rows(pix []byte, stride, offset, rowBytes, height int) []byte {
	data := make([]byte, 0, rowBytes*height)
	for y := 0; y < height; y++ {
		start := offset + y*stride
		data = append(data, pix[start:start+rowBytes]...)
	}
	return data
}
