module github.com/gopercept/gopercept

go 1.24.0

require (
	github.com/foxglove/mcap/go/mcap v1.7.0
	github.com/tiiuae/rclgo v0.0.0-20240131135202-56b24e11219b
	github.com/yalue/onnxruntime_go v1.27.0
	gonum.org/v1/gonum v0.17.0
	gopkg.in/yaml.v3 v3.0.1
	modernc.org/sqlite v1.34.5
)
