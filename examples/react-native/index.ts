import { registerRootComponent } from 'expo';
import App from './App';

// Registers App as the root component, in Expo Go and in native builds alike.
registerRootComponent(App);
