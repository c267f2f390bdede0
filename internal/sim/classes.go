package sim

// SemanticKITTI raw class ids carried by every primitive.
const (
	ClassUnlabeled   uint16 = 0
	ClassCar         uint16 = 10
	ClassBicycle     uint16 = 11
	ClassTruck       uint16 = 18
	ClassPerson      uint16 = 30
	ClassBicyclist   uint16 = 31
	ClassRoad        uint16 = 40
	ClassParking     uint16 = 44
	ClassSidewalk    uint16 = 48
	ClassOtherGround uint16 = 49
	ClassBuilding    uint16 = 50
	ClassFence       uint16 = 51
	ClassVegetation  uint16 = 70
	ClassTrunk       uint16 = 71
	ClassTerrain     uint16 = 72
	ClassPole        uint16 = 80
	ClassTrafficSign uint16 = 81
)

// Material is the appearance of a surface.
type Material struct {
	Albedo       [3]float64 // Albedo is the diffuse RGB colour in 0..1.
	Reflectivity float64    // Reflectivity is the lidar reflectivity in 0..1.
	Texture      float64    // Texture is the amplitude of the hash-noise texture, 0..1.
	TexScale     float64    // TexScale is the texture cell size in metres.
}

// Material ids used by the generator; World.Materials is indexed by them.
const (
	matRoad = iota
	matLane
	matSidewalk
	matTerrain
	matParking
	matOtherGround
	matBuildingA
	matBuildingB
	matBuildingC
	matFence
	matTrunk
	matLeaves
	matPole
	matSign
	matCarRed
	matCarBlue
	matCarWhite
	matCarBlack
	matCarSilver
	matTruck
	matTire
	matGlass
	matSkin
	matShirtA
	matShirtB
	matShirtC
	matPants
	matBike
	matBench
	matWall
	numMaterials
)

func defaultMaterials() []Material {
	m := make([]Material, numMaterials)
	set := func(i int, r, g, b, refl, tex, scale float64) {
		m[i] = Material{Albedo: [3]float64{r, g, b}, Reflectivity: refl, Texture: tex, TexScale: scale}
	}
	set(matRoad, 0.22, 0.22, 0.23, 0.12, 0.25, 0.15)
	set(matLane, 0.90, 0.90, 0.85, 0.65, 0.10, 0.1)
	set(matSidewalk, 0.55, 0.54, 0.52, 0.30, 0.20, 0.5)
	set(matTerrain, 0.30, 0.45, 0.18, 0.35, 0.45, 0.3)
	set(matParking, 0.32, 0.32, 0.33, 0.15, 0.25, 0.3)
	set(matOtherGround, 0.45, 0.40, 0.33, 0.25, 0.30, 0.4)
	set(matBuildingA, 0.70, 0.62, 0.52, 0.40, 0.20, 1.0)
	set(matBuildingB, 0.55, 0.30, 0.25, 0.35, 0.20, 0.5)
	set(matBuildingC, 0.75, 0.75, 0.78, 0.45, 0.15, 1.5)
	set(matFence, 0.45, 0.35, 0.25, 0.30, 0.30, 0.2)
	set(matTrunk, 0.35, 0.25, 0.15, 0.30, 0.40, 0.1)
	set(matLeaves, 0.15, 0.40, 0.12, 0.45, 0.60, 0.25)
	set(matPole, 0.50, 0.50, 0.52, 0.40, 0.05, 0.5)
	set(matSign, 0.85, 0.85, 0.85, 0.95, 0.05, 0.5)
	set(matCarRed, 0.70, 0.08, 0.08, 0.50, 0.05, 0.5)
	set(matCarBlue, 0.10, 0.20, 0.60, 0.50, 0.05, 0.5)
	set(matCarWhite, 0.88, 0.88, 0.88, 0.70, 0.05, 0.5)
	set(matCarBlack, 0.05, 0.05, 0.06, 0.04, 0.05, 0.5)
	set(matCarSilver, 0.60, 0.62, 0.65, 0.60, 0.05, 0.5)
	set(matTruck, 0.80, 0.70, 0.20, 0.55, 0.10, 0.5)
	set(matTire, 0.04, 0.04, 0.04, 0.05, 0.10, 0.1)
	set(matGlass, 0.10, 0.12, 0.15, 0.08, 0.02, 0.5)
	set(matSkin, 0.80, 0.60, 0.48, 0.40, 0.05, 0.05)
	set(matShirtA, 0.20, 0.35, 0.70, 0.35, 0.15, 0.05)
	set(matShirtB, 0.75, 0.25, 0.20, 0.35, 0.15, 0.05)
	set(matShirtC, 0.85, 0.80, 0.30, 0.35, 0.15, 0.05)
	set(matPants, 0.15, 0.15, 0.25, 0.25, 0.15, 0.05)
	set(matBike, 0.20, 0.60, 0.30, 0.40, 0.05, 0.1)
	set(matBench, 0.45, 0.30, 0.15, 0.30, 0.30, 0.1)
	set(matWall, 0.60, 0.60, 0.60, 0.50, 0.00, 1.0)
	return m
}
